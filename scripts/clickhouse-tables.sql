-- Tables for logs exported by `culprit export --format jsonl`, for ClickHouse 18.16 and later.
-- Run on every server of the cluster, with {db} and {cluster} replaced (scripts/clickhouse-load.sh does).
--   logs_local  the rows a shard stores (MergeTree, in time order)
--   logs        a Distributed table over every shard's logs_local: query and insert here
--   logs_in     where `INSERT … FORMAT JSONEachRow` of the export goes (a Null table: stores nothing);
--               logs_in_mv splits the RFC 3339 time into a DateTime and its milliseconds (18.16 has no
--               DateTime64) and passes each row on to `logs`. Records without a time are not loaded.
CREATE DATABASE IF NOT EXISTS {db};
CREATE TABLE IF NOT EXISTS {db}.logs_local (
    ts DateTime,
    ms UInt16,
    level String,
    host String,
    service String,
    message String,
    path String,
    line UInt32,
    format String
) ENGINE = MergeTree PARTITION BY toYYYYMMDD(ts) ORDER BY (ts, service, host);
CREATE TABLE IF NOT EXISTS {db}.logs AS {db}.logs_local ENGINE = Distributed({cluster}, {db}, logs_local, rand());
CREATE TABLE IF NOT EXISTS {db}.logs_in (
    ts Nullable(String),
    level Nullable(String),
    host Nullable(String),
    service Nullable(String),
    message String,
    path String,
    line UInt32,
    format String,
    -- Computed here: in the view below, `ts` names the parsed DateTime.
    ms UInt16 MATERIALIZED toUInt16OrZero(substring(assumeNotNull(ts), 21, 3)),
    timed UInt8 MATERIALIZED isNotNull(ts)
) ENGINE = Null;
CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.logs_in_mv TO {db}.logs AS
SELECT
    parseDateTimeBestEffort(assumeNotNull(ts)) AS ts,
    ms,
    ifNull(level, '') AS level,
    ifNull(host, '') AS host,
    ifNull(service, '') AS service,
    message, path, line, format
FROM {db}.logs_in WHERE timed;
