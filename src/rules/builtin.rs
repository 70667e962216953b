//! The built-in rule pack, compiled into the binary so culprit works from any folder.

/// (name used in messages, contents), in stacking order.
pub const BUILTIN: &[(&str, &str)] = &[
    ("rules/auth.toml", include_str!("../../rules/auth.toml")),
    ("rules/database.toml", include_str!("../../rules/database.toml")),
    ("rules/network.toml", include_str!("../../rules/network.toml")),
    ("rules/system.toml", include_str!("../../rules/system.toml")),
    ("rules/deploy.toml", include_str!("../../rules/deploy.toml")),
    ("rules/web.toml", include_str!("../../rules/web.toml")),
    ("rules/config-management.toml", include_str!("../../rules/config-management.toml")),
    ("rules/packages.toml", include_str!("../../rules/packages.toml")),
    ("rules/kubernetes.toml", include_str!("../../rules/kubernetes.toml")),
    ("rules/messaging.toml", include_str!("../../rules/messaging.toml")),
    ("rules/vocabulary.toml", include_str!("../../rules/vocabulary.toml")),
];
