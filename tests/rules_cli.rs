//! `culprit rules …` through the real binary. Every run gets an empty config
//! folder so the user's own rules cannot change the outcome.

use assert_cmd::Command;
use predicates::prelude::*;
use tempfile::TempDir;

fn culprit(home: &TempDir) -> Command {
    let mut c = Command::cargo_bin("culprit").unwrap();
    c.env("XDG_CONFIG_HOME", home.path().join("config")).env("HOME", home.path());
    c
}

const SSH_FAIL: &str =
    "Dec 10 06:55:48 LabSZ sshd[24200]: Failed password for invalid user webmaster from 173.234.31.186 port 38926 ssh2";

#[test]
fn check_builtin_pack_passes() {
    let home = TempDir::new().unwrap();
    culprit(&home).args(["rules", "check"]).assert().success().stdout(predicate::str::contains("ok: built-in rules:"));
}

#[test]
fn check_reports_bad_rules_with_file_and_line() {
    let home = TempDir::new().unwrap();
    let dir = home.path().join("mine");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(
        dir.join("bad.toml"),
        "[[rules]]\nid = \"x\"\nsubsystem = \"app\"\nkind = \"error\"\nmatch = ['(oops']\n",
    )
    .unwrap();
    let bad = format!("{}:5: rule 'x': bad regex", dir.join("bad.toml").display());
    culprit(&home).args(["rules", "check"]).arg(&dir).assert().code(1).stdout(predicate::str::contains(bad));

    // Valid rule, failing example.
    std::fs::write(
        dir.join("bad.toml"),
        "[[rules]]\nid = \"x\"\nsubsystem = \"app\"\nkind = \"error\"\nmatch = ['boom']\nexamples.match = ['all quiet']\n",
    )
    .unwrap();
    culprit(&home)
        .args(["rules", "check"])
        .arg(&dir)
        .assert()
        .code(1)
        .stdout(predicate::str::contains(":1: rule 'x': example should match but does not: all quiet"));
}

/// A vocabulary of one's own (words the analysis reads outside rules) is checked with the pack's:
/// an example its words do not honour fails the check, naming the file and the `[vocabulary]` line.
#[test]
fn check_runs_vocabulary_examples() {
    let home = TempDir::new().unwrap();
    let dir = home.path().join("mine");
    std::fs::create_dir(&dir).unwrap();
    let words = "# our words\n[vocabulary]\nchange_words = [\"cutover\"]\nchange_examples.match = [\"cutover to region b\", \"all quiet\"]\n";
    std::fs::write(dir.join("words.toml"), words).unwrap();
    let failed = format!(
        "{}:2: vocabulary: example all quiet: expected it reads like a change",
        dir.join("words.toml").display()
    );
    culprit(&home).args(["rules", "check"]).arg(&dir).assert().code(1).stdout(predicate::str::contains(failed));
    std::fs::write(dir.join("words.toml"), words.replace(", \"all quiet\"", "")).unwrap();
    culprit(&home).args(["rules", "check"]).arg(&dir).assert().success();
}

#[test]
fn test_subcommand_exit_codes_and_captures() {
    let home = TempDir::new().unwrap();
    culprit(&home)
        .args(["rules", "test", "auth.ssh-failed-password", SSH_FAIL])
        .assert()
        .success()
        .stdout(predicate::str::contains("match: auth.ssh-failed-password"))
        .stdout(predicate::str::contains("user=webmaster"))
        .stdout(predicate::str::contains("host=173.234.31.186"));
    culprit(&home)
        .args([
            "rules",
            "test",
            "auth.ssh-failed-password",
            "Dec 10 06:55:48 LabSZ sshd[1]: Accepted password for a from b",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("no match"));
    culprit(&home).args(["rules", "test", "no.such-rule", "x"]).assert().code(2);
}

#[test]
fn list_json_has_every_rule() {
    let home = TempDir::new().unwrap();
    let out = culprit(&home).args(["rules", "list", "--json"]).assert().success().get_output().stdout.clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let rules = v.as_array().unwrap();
    assert!(rules.len() > 50);
    let ssh = rules.iter().find(|r| r["id"] == "auth.ssh-failed-password").unwrap();
    // Failed SSH logins are scanners and typos far more often than users locked out: an error, not a symptom.
    assert_eq!(ssh["kind"], "error");
    assert_eq!(ssh["subsystem"], "auth");
    assert_eq!(ssh["source_file"], "rules/auth.toml");
    assert!(ssh["patterns"].as_array().unwrap()[0].as_str().unwrap().contains("Failed"));
    for r in rules {
        for key in ["id", "subsystem", "kind", "title", "patterns", "source_file"] {
            assert!(r.get(key).is_some(), "{key} missing in {r}");
        }
    }
    culprit(&home)
        .args(["rules", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("db.too-many-connections").and(predicate::str::contains("KIND")));
}

#[test]
fn explain_shows_format_fields_and_hits() {
    let home = TempDir::new().unwrap();
    let line = r#"{"ts":"2024-01-22T15:30:01Z","level":"warn","msg":"request","path":"/oauth/token","status":401}"#;
    culprit(&home)
        .args(["rules", "explain", line])
        .assert()
        .success()
        .stdout(predicate::str::contains("format:   json"))
        .stdout(predicate::str::contains("field:    status=401"))
        .stdout(predicate::str::contains("* web.auth-denied"));
    culprit(&home)
        .args(["rules", "explain", SSH_FAIL])
        .assert()
        .success()
        .stdout(predicate::str::contains("format:   syslog"))
        .stdout(predicate::str::contains("auth.ssh-failed-password"))
        .stdout(predicate::str::contains("pattern 1: Failed"));
}

#[test]
fn user_and_extra_rule_folders_stack() {
    let home = TempDir::new().unwrap();
    // The user's folder disables a built-in rule...
    let user = home.path().join("config/culprit/rules");
    std::fs::create_dir_all(&user).unwrap();
    std::fs::write(user.join("local.toml"), "[[rules]]\nid = \"auth.ssh-failed-password\"\ndisabled = true\n").unwrap();
    culprit(&home).args(["rules", "test", "auth.ssh-failed-password", SSH_FAIL]).assert().code(2);
    // ...and a --rules folder brings it back with another subsystem.
    let extra = home.path().join("extra");
    std::fs::create_dir(&extra).unwrap();
    std::fs::write(
        extra.join("ssh.toml"),
        "[[rules]]\nid = \"auth.ssh-failed-password\"\nsubsystem = \"bastion\"\nkind = \"error\"\nmatch = ['Failed password']\n",
    )
    .unwrap();
    let out = culprit(&home).args(["rules", "list", "--json", "--rules"]).arg(&extra).assert().success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let r = v.as_array().unwrap().iter().find(|r| r["id"] == "auth.ssh-failed-password").unwrap().clone();
    assert_eq!(r["subsystem"], "bastion");
    assert!(r["source_file"].as_str().unwrap().ends_with("ssh.toml"));
}

#[test]
fn hostile_text_is_escaped() {
    let home = TempDir::new().unwrap();
    culprit(&home)
        .args(["rules", "explain", "2024-01-22T15:30:01Z ERROR \u{1b}[31mboom\u{1b}[0m"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\u{1b}").not());
}
