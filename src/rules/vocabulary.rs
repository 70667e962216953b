//! The words the analysis reads outside rules: which mined templates read like a change, which
//! subsystem a service's name suggests, which default port names which server, which words say
//! that a service waited and gave up. They live in rule files (`[vocabulary]`, see
//! `rules/vocabulary.toml`) with examples, so the analysis holds no message text of its own.
//!
//! ```toml
//! [vocabulary]
//! change_words = ["deploy", "reload"]         # a quiet template naming one is a change event
//! change_word_endings = ["s", "ed", "ing"]    # `reloaded`, `deploying`: other forms of a word
//! not_a_change = ["logrotate"]                # …unless it names one of these
//! change_examples = { match = ["Configuration reloaded"], no_match = ["restartpoint starting"] }
//! waiting_words = ["timed out"]               # a mined error naming one waited on something
//! generic_service_words = ["service"]         # service-name words that name no endpoint
//! broad_subsystems = ["app"]                  # subsystems too broad to link a change by
//! [[vocabulary.subsystems]]                   # first whose word is in the service name wins
//! name = "database"
//! service_words = ["postgres", "db"]
//! examples = ["postgresql@17-main"]
//! [[vocabulary.ports]]                        # `:5432` or `port 5432` names a postgres service
//! port = 5432
//! services = ["postgres", "pgbouncer"]
//! examples = ["connection to server at \"db-1\" (10.0.0.5), port 5432 failed"]
//! ```
//!
//! Every layer's words add to the earlier layers'; a later layer's subsystems are tried first.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder};
use serde::Deserialize;

/// `[vocabulary]` as written in a rule file.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct VocabularyDef {
    #[serde(default)]
    change_words: Vec<String>,
    #[serde(default)]
    change_word_endings: Vec<String>,
    #[serde(default)]
    not_a_change: Vec<String>,
    #[serde(default)]
    change_examples: Option<ChangeExamplesDef>,
    #[serde(default)]
    waiting_words: Vec<String>,
    #[serde(default)]
    generic_service_words: Vec<String>,
    #[serde(default)]
    broad_subsystems: Vec<String>,
    #[serde(default)]
    subsystems: Vec<SubsystemDef>,
    #[serde(default)]
    ports: Vec<PortDef>,
    #[serde(default)]
    setting_shapes: Vec<String>,
    #[serde(default)]
    setting_examples: Vec<SettingExampleDef>,
}

/// Template texts that must and must not read like a change.
#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct ChangeExamplesDef {
    #[serde(rename = "match", default)]
    matching: Vec<String>,
    #[serde(default)]
    no_match: Vec<String>,
}

/// A change's words and the settings they say moved, each as `[name, old, new]` (`old` may be "").
#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct SettingExampleDef {
    text: String,
    settings: Vec<[String; 3]>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct SubsystemDef {
    name: String,
    service_words: Vec<String>,
    /// Service names that must get this subsystem.
    #[serde(default)]
    examples: Vec<String>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct PortDef {
    port: u16,
    services: Vec<String>,
    /// Lines that must name, by this port, the first of `services`.
    #[serde(default)]
    examples: Vec<String>,
}

impl VocabularyDef {
    /// Words that cannot work: empty or one letter (they would match almost anything).
    pub(super) fn problems(&self) -> Vec<String> {
        let lists: [(&str, &[String]); 5] = [
            ("change_words", &self.change_words),
            ("not_a_change", &self.not_a_change),
            ("waiting_words", &self.waiting_words),
            ("generic_service_words", &self.generic_service_words),
            ("broad_subsystems", &self.broad_subsystems),
        ];
        let mut out = Vec::new();
        for (list, words) in lists {
            out.extend(
                words.iter().filter(|w| w.trim().len() < 2).map(|w| format!("{list}: the word '{w}' is too short")),
            );
        }
        for s in &self.subsystems {
            if s.name.trim().is_empty() {
                out.push("subsystems: a subsystem needs a name".into());
            }
            out.extend(
                s.service_words
                    .iter()
                    .filter(|w| w.trim().len() < 2)
                    .map(|w| format!("subsystem '{}': the word '{w}' is too short", s.name)),
            );
        }
        out.extend(
            self.ports.iter().filter(|p| p.services.is_empty()).map(|p| format!("port {}: no services", p.port)),
        );
        for shape in &self.setting_shapes {
            match regex::Regex::new(shape) {
                Err(e) => out.push(format!("setting_shapes: bad regex: {e}")),
                Ok(re) => {
                    let names: Vec<&str> = re.capture_names().flatten().collect();
                    if !names.contains(&"name") || !names.contains(&"new") {
                        out.push(format!("setting_shapes: '{shape}' needs the groups (?P<name>…) and (?P<new>…)"));
                    }
                }
            }
        }
        out
    }
}

/// The merged vocabulary of every loaded rule file, with its word automata built once.
#[derive(Debug, Default)]
pub struct Vocabulary {
    change_words: Vec<String>,
    change_word_endings: Vec<String>,
    not_a_change: Vec<String>,
    waiting_words: Vec<String>,
    generic_service_words: Vec<String>,
    broad_subsystems: Vec<String>,
    subsystems: Vec<(String, Vec<String>)>,
    /// Each default port as text (`5432`), with the services that listen on it.
    ports: Vec<(String, Vec<String>)>,
    setting_shapes: Vec<regex::Regex>,
    /// Examples, with the file that gave them, for `culprit rules check`.
    examples: Vec<VocabularyExample>,
    change: Option<AhoCorasick>,
    not_change: Option<AhoCorasick>,
    waiting: Option<AhoCorasick>,
}

/// What a vocabulary example expects.
#[derive(Debug, Clone)]
pub enum Expect {
    /// This template text reads like a change (`true`) or not.
    Change(bool),
    /// This service name gets this subsystem.
    Subsystem(String),
    /// This line names, by its port, a server this service runs.
    Port(String),
    /// These words say these settings moved (name, old, new).
    Settings(Vec<SettingMove>),
}

/// A setting a change's words say moved: its name, the old value when said, the new value.
pub type SettingMove = (String, Option<String>, String);

#[derive(Debug, Clone)]
pub struct VocabularyExample {
    pub file: String,
    /// The line `[vocabulary]` starts on.
    pub line: usize,
    pub text: String,
    pub expect: Expect,
}

fn add_words(to: &mut Vec<String>, words: &[String]) {
    for w in words {
        let w = w.trim();
        if !to.iter().any(|t| t.eq_ignore_ascii_case(w)) {
            to.push(w.to_string());
        }
    }
}

fn automaton(words: &[String]) -> Option<AhoCorasick> {
    if words.is_empty() {
        return None;
    }
    // Words are short literals checked when the file loads; building cannot fail on them.
    AhoCorasickBuilder::new().ascii_case_insensitive(true).build(words).ok()
}

impl Vocabulary {
    /// Adds one file's `[vocabulary]`; call [`Vocabulary::finish`] after the last.
    pub(super) fn add(&mut self, file: &str, line: usize, def: VocabularyDef) {
        add_words(&mut self.change_words, &def.change_words);
        add_words(&mut self.change_word_endings, &def.change_word_endings);
        add_words(&mut self.not_a_change, &def.not_a_change);
        add_words(&mut self.waiting_words, &def.waiting_words);
        add_words(&mut self.generic_service_words, &def.generic_service_words);
        add_words(&mut self.broad_subsystems, &def.broad_subsystems);
        // A later layer names its own services: its subsystems are tried before the pack's.
        let later: Vec<(String, Vec<String>)> =
            def.subsystems.iter().map(|s| (s.name.trim().to_string(), s.service_words.clone())).collect();
        self.subsystems.splice(0..0, later);
        for p in &def.ports {
            let port = p.port.to_string();
            match self.ports.iter_mut().find(|(known, _)| *known == port) {
                Some((_, services)) => add_words(services, &p.services),
                None => self.ports.push((port, p.services.clone())),
            }
        }
        // Shapes are checked by `problems` before a file's vocabulary is added.
        self.setting_shapes.extend(def.setting_shapes.iter().filter_map(|s| regex::Regex::new(s).ok()));
        let example =
            |text: &str, expect: Expect| VocabularyExample { file: file.to_string(), line, text: text.into(), expect };
        if let Some(ex) = &def.change_examples {
            self.examples.extend(ex.matching.iter().map(|t| example(t, Expect::Change(true))));
            self.examples.extend(ex.no_match.iter().map(|t| example(t, Expect::Change(false))));
        }
        for s in &def.subsystems {
            self.examples.extend(s.examples.iter().map(|t| example(t, Expect::Subsystem(s.name.clone()))));
        }
        for ex in &def.setting_examples {
            let moved = ex
                .settings
                .iter()
                .map(|[name, old, new]| (name.clone(), (!old.is_empty()).then(|| old.clone()), new.clone()))
                .collect();
            self.examples.push(example(&ex.text, Expect::Settings(moved)));
        }
        for p in &def.ports {
            if let Some(service) = p.services.first() {
                self.examples.extend(p.examples.iter().map(|t| example(t, Expect::Port(service.clone()))));
            }
        }
    }

    pub(super) fn finish(&mut self) {
        self.change = automaton(&self.change_words);
        self.not_change = automaton(&self.not_a_change);
        self.waiting = automaton(&self.waiting_words);
    }

    /// Whether a quiet template's text reads like a change: a change word stands as a word
    /// (`restart`, `restarted`, `deployment`, not `restartpoint` or `undeployable`), is no
    /// method call (`ByteBuf.release()`), and no not-a-change word is named.
    pub fn reads_like_change(&self, text: &[u8]) -> bool {
        let Some(words) = &self.change else { return false };
        if self.not_change.as_ref().is_some_and(|n| n.is_match(text)) {
            return false;
        }
        words.find_overlapping_iter(text).any(|m| {
            let before_ok = m.start() == 0 || !text[m.start() - 1].is_ascii_alphanumeric();
            let rest = &text[m.end()..];
            let word_end = rest.iter().position(|c| !c.is_ascii_alphanumeric()).unwrap_or(rest.len());
            // A word ends the match (`flag `), or the text does, or an ending makes another form of it.
            let ends_word = !text[m.end() - 1].is_ascii_alphanumeric();
            let after_ok = ends_word
                || word_end == 0
                || self.change_word_endings.iter().any(|s| s.as_bytes().eq_ignore_ascii_case(&rest[..word_end]));
            let a_call = rest.get(word_end) == Some(&b'(');
            before_ok && after_ok && !a_call
        })
    }

    /// Whether an error's text says it waited on something and gave up, by a waiting word that
    /// stands as a word.
    pub fn says_it_waited(&self, text: &[u8]) -> bool {
        let Some(words) = &self.waiting else { return false };
        words.find_iter(text).any(|m| {
            let before_ok = m.start() == 0 || !text[m.start() - 1].is_ascii_alphanumeric();
            let after_ok = text.get(m.end()).is_none_or(|c| !c.is_ascii_alphanumeric());
            before_ok && after_ok
        })
    }

    /// The subsystem a service's name suggests; the name itself (lowercase) when no word of it
    /// is known, `app` when it is empty.
    pub fn subsystem_of_service(&self, service: &str) -> String {
        let s = service.to_ascii_lowercase();
        for (name, words) in &self.subsystems {
            if words.iter().any(|w| s.contains(&w.to_ascii_lowercase())) {
                return name.clone();
            }
        }
        if s.is_empty() {
            "app".into()
        } else {
            s
        }
    }

    /// Whether `text` names, by its default port (`:5432`, `port 5432`), a server that
    /// `service` runs (`postgresql@17-main` runs `postgresql`).
    pub fn port_names_service(&self, text: &[u8], service: &str) -> bool {
        let runs = |name: &str| {
            service.len() >= name.len()
                && service.as_bytes()[..name.len()].eq_ignore_ascii_case(name.as_bytes())
                && matches!(service.as_bytes().get(name.len()), None | Some(b'-' | b'@'))
        };
        self.ports.iter().any(|(port, names)| {
            names.iter().any(|n| runs(n))
                && memchr::memmem::find_iter(text, port.as_bytes()).any(|at| {
                    let before = &text[..at];
                    !text.get(at + port.len()).is_some_and(u8::is_ascii_digit)
                        && (before.ends_with(b":")
                            || before.len() >= 5 && before[before.len() - 5..].eq_ignore_ascii_case(b"port "))
                })
        })
    }

    /// Settings a change's words say moved, in their order. Each clause (the text split at `,`
    /// and `;`, after its last `: `) is tried against the shapes in order; the first that
    /// matches names one setting.
    pub fn settings_moved(&self, text: &str) -> Vec<SettingMove> {
        let mut out = Vec::new();
        for clause in text.split([',', ';']) {
            let clause = clause.rsplit(": ").next().unwrap_or(clause);
            if let Some(c) = self.setting_shapes.iter().find_map(|re| re.captures(clause)) {
                let (Some(name), Some(new)) = (c.name("name"), c.name("new")) else { continue };
                out.push((
                    name.as_str().trim().to_string(),
                    c.name("old").map(|o| o.as_str().to_string()),
                    new.as_str().to_string(),
                ));
            }
        }
        out
    }

    /// A word of a service's name that says nothing about what it serves (`service`, `worker`).
    pub fn is_generic_service_word(&self, word: &str) -> bool {
        self.generic_service_words.iter().any(|w| w.eq_ignore_ascii_case(word))
    }

    /// A subsystem too broad for a change to be linked to errors by it alone (`deploy`, `app`).
    /// How many examples the vocabulary carries.
    pub fn example_count(&self) -> usize {
        self.examples.len()
    }

    pub fn is_broad_subsystem(&self, subsystem: &str) -> bool {
        subsystem.is_empty() || self.broad_subsystems.iter().any(|w| w.eq_ignore_ascii_case(subsystem))
    }

    /// Examples that the merged vocabulary does not honour, as (file, line, text, what was expected).
    pub fn failing_examples(&self) -> Vec<(String, usize, String, String)> {
        let mut out = Vec::new();
        for ex in &self.examples {
            let (ok, wanted) = match &ex.expect {
                Expect::Change(yes) => (
                    self.reads_like_change(ex.text.as_bytes()) == *yes,
                    if *yes { "reads like a change" } else { "reads like no change" }.to_string(),
                ),
                Expect::Subsystem(s) => {
                    let got = self.subsystem_of_service(&ex.text);
                    (got == *s, format!("is subsystem '{s}' (got '{got}')"))
                }
                Expect::Port(service) => (
                    self.port_names_service(ex.text.as_bytes(), service),
                    format!("names the server of '{service}' by its port"),
                ),
                Expect::Settings(moved) => {
                    let got = self.settings_moved(&ex.text);
                    (got == *moved, format!("moves {moved:?} (got {got:?})"))
                }
            };
            if !ok {
                out.push((ex.file.clone(), ex.line, ex.text.clone(), wanted));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::RuleSet;

    fn pack() -> RuleSet {
        RuleSet::builtin().expect("the built-in pack loads")
    }

    #[test]
    fn the_packs_vocabulary_honours_its_examples() {
        let set = pack();
        assert_eq!(set.vocabulary.failing_examples(), Vec::<(String, usize, String, String)>::new());
        assert!(set.vocabulary.example_count() >= 20, "the pack's vocabulary has examples");
    }

    #[test]
    fn a_servers_default_port_names_it() {
        let set = pack();
        let words = &set.vocabulary;
        let text = b"ConnectionNotEstablished (connection to server at \"10.90.1.10\", port 5432 failed";
        assert!(words.port_names_service(text, "postgres"));
        assert!(words.port_names_service(text, "postgresql@17-main"));
        assert!(!words.port_names_service(text, "mysql"));
        assert!(words.port_names_service(b"Can't connect to MySQL server on 'db-2:3306' (111)", "MySQL"));
        // Other numbers that hold the digits, and the port without its server, name nothing.
        assert!(!words.port_names_service(b"dial tcp 10.0.0.5:63790: i/o timeout", "redis"));
        assert!(!words.port_names_service(b"request 5432 failed", "postgres"));
        assert!(!words.port_names_service(b"dial tcp 10.0.0.5:6379: refused", "orders"));
    }

    #[test]
    fn change_words_stand_as_words() {
        let set = pack();
        let words = &set.vocabulary;
        assert!(words.reads_like_change(b"Configuration reloaded"));
        assert!(!words.reads_like_change(b"restartpoint starting: time"));
        assert!(!words.reads_like_change(b"pool.restart(3) failed"));
        assert!(words.says_it_waited(b"[CRITICAL] WORKER TIMEOUT (pid:12)"));
        assert!(!words.says_it_waited(b"timeouts=0"));
    }

    #[test]
    fn a_layer_adds_words_and_its_subsystems_come_first() {
        use crate::rules::Layer;
        let own = "[vocabulary]\nchange_words = [\"cutover\"]\n[[vocabulary.subsystems]]\nname = \"payments\"\nservice_words = [\"pay\"]\nexamples = [\"pay-db\"]\n[[vocabulary.ports]]\nport = 5432\nservices = [\"warehouse\"]\n";
        let layer = Layer { files: vec![("mine.toml".into(), own.into())], built_in: false };
        let set = RuleSet::from_layers(&[Layer::builtin(), layer]).unwrap();
        let words = &set.vocabulary;
        assert!(words.reads_like_change(b"cutover to region b done"));
        assert!(words.reads_like_change(b"Configuration reloaded"), "the pack's words stay");
        assert_eq!(words.subsystem_of_service("pay-db"), "payments");
        assert_eq!(words.subsystem_of_service("orders-db"), "database");
        assert!(words.port_names_service(b"dial tcp 10.1.1.1:5432: refused", "warehouse"));
        assert!(words.port_names_service(b"dial tcp 10.1.1.1:5432: refused", "postgres"));
        assert!(words.failing_examples().is_empty());
    }

    #[test]
    fn a_one_letter_word_is_refused_with_its_file_and_line() {
        use crate::rules::Layer;
        let own = "# mine\n[vocabulary]\nwaiting_words = [\"t\"]\n";
        let layer = Layer { files: vec![("mine.toml".into(), own.into())], built_in: false };
        let err = RuleSet::from_layers(&[layer]).unwrap_err().to_string();
        assert!(err.starts_with("mine.toml:2:") && err.contains("waiting_words"), "{err}");
    }
}
