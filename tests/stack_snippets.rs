//! Every stack's configuration for every remedy, with and without credentials, is checked by
//! the stack's own tool: `nginx -t`, `apache2 -t`, `caddy adapt`, `haproxy -c`, `node
//! --check`, Python's compiler, the Java compiler's parser, `ruby -c`, `gofmt -e`, a YAML
//! loader, a JSON parser, `sh -n`. A tool that is not installed is skipped with a message,
//! except under CI (`CI=true`), where `.ci/run` installs them and a missing one fails. C#
//! (ASP.NET Core) has no compiler in the package registries this project installs from and
//! Cloudflare's rules are dashboard steps: both are listed as unchecked.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use corscope::stack::{snippet_for, Language, Params, Remedy, Stack};

fn params(credentials: bool) -> Params {
    Params {
        origin: "https://app.example".into(),
        methods: vec!["GET".into(), "PUT".into()],
        headers: vec!["content-type".into(), "x-api-key".into()],
        credentials,
    }
}

fn installed(tool: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{tool} is not installed: .ci/run installs it");
        }
        println!("skipped: {tool} not installed");
    }
    found
}

/// Runs a checker; panics with its output when it rejects the snippet.
fn run(label: &str, snippet: &str, cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{label}: {e}"));
    assert!(
        out.status.success(),
        "{label} rejected:\n{snippet}\n--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn indent(s: &str, by: &str) -> String {
    s.lines().map(|l| format!("{by}{l}\n")).collect()
}

/// Java: parse only (no Spring on the class path), with the JDK's own parser.
const JAVA_PARSE: &str = r#"
import javax.tools.*;
import com.sun.source.util.JavacTask;
public class ParseCheck {
    public static void main(String[] files) throws Exception {
        JavaCompiler c = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> d = new DiagnosticCollector<>();
        try (StandardJavaFileManager fm = c.getStandardFileManager(d, null, null)) {
            JavacTask t = (JavacTask) c.getTask(null, fm, d, null, null, fm.getJavaFileObjects(files));
            t.parse();
        }
        boolean bad = false;
        for (Diagnostic<?> x : d.getDiagnostics()) {
            if (x.getKind() == Diagnostic.Kind.ERROR) { System.err.println(x); bad = true; }
        }
        System.exit(bad ? 1 : 0);
    }
}
"#;

fn check(dir: &Path, n: usize, label: &str, language: Language, snippet: &str) -> bool {
    let file = |name: &str, text: &str| {
        let p = dir.join(format!("{n}-{name}"));
        std::fs::write(&p, text).unwrap();
        p
    };
    match language {
        Language::Nginx => {
            let root = dir.join(format!("nginx-{n}"));
            std::fs::create_dir_all(root.join("logs")).unwrap();
            let conf = file(
                "nginx.conf",
                &format!(
                    "error_log stderr;\npid {}/nginx.pid;\nevents {{}}\nhttp {{\n  access_log off;\n  server {{\n    listen 127.0.0.1:18090;\n    location / {{\n{}      proxy_pass http://127.0.0.1:18091;\n    }}\n  }}\n}}\n",
                    root.display(),
                    indent(snippet, "      ")
                ),
            );
            run(
                label,
                snippet,
                Command::new("nginx")
                    .arg("-t")
                    .arg("-q")
                    .arg("-p")
                    .arg(&root)
                    .arg("-c")
                    .arg(&conf),
            );
        }
        Language::Apache => {
            let m = "/usr/lib/apache2/modules";
            let conf = file(
                "httpd.conf",
                &format!(
                    "ServerName localhost\nDefaultRuntimeDir {d}\nPidFile {d}/httpd.pid\nErrorLog {d}/error.log\nLoadModule mpm_event_module {m}/mod_mpm_event.so\nLoadModule authz_core_module {m}/mod_authz_core.so\nLoadModule headers_module {m}/mod_headers.so\nLoadModule rewrite_module {m}/mod_rewrite.so\nListen 127.0.0.1:18092\n<VirtualHost *:18092>\n{}</VirtualHost>\n",
                    indent(snippet, "  "),
                    d = dir.display(),
                ),
            );
            run(
                label,
                snippet,
                Command::new("apache2").arg("-t").arg("-f").arg(&conf),
            );
        }
        Language::Caddyfile => {
            let conf = file(
                "Caddyfile",
                &format!("localhost:18093 {{\n{}}}\n", indent(snippet, "\t")),
            );
            run(
                label,
                snippet,
                Command::new("caddy")
                    .args(["adapt", "--adapter", "caddyfile", "--config"])
                    .arg(&conf)
                    .env("HOME", dir)
                    .env("XDG_DATA_HOME", dir)
                    .env("XDG_CONFIG_HOME", dir),
            );
        }
        Language::HaProxy => {
            let conf = file(
                "haproxy.cfg",
                &format!(
                    "defaults\n    mode http\n    timeout connect 5s\n    timeout client 5s\n    timeout server 5s\nfrontend api\n    bind 127.0.0.1:18094\n{}    default_backend app\nbackend app\n    server app1 127.0.0.1:18095\n",
                    indent(snippet, "    ")
                ),
            );
            run(
                label,
                snippet,
                Command::new("haproxy").arg("-c").arg("-f").arg(&conf),
            );
        }
        Language::JavaScript => {
            let f = file("snippet.js", snippet);
            run(label, snippet, Command::new("node").arg("--check").arg(&f));
        }
        Language::Python => {
            let f = file("snippet.py", snippet);
            run(
                label,
                snippet,
                Command::new("python3")
                    .args(["-c", "import ast,sys; ast.parse(open(sys.argv[1]).read())"])
                    .arg(&f),
            );
        }
        Language::Java => {
            let f = file("CorsConfig.java", snippet);
            let checker = file("ParseCheck.java", JAVA_PARSE);
            run(label, snippet, Command::new("java").arg(&checker).arg(&f));
        }
        Language::Ruby => {
            let f = file("snippet.rb", snippet);
            run(label, snippet, Command::new("ruby").arg("-c").arg(&f));
        }
        Language::Go => {
            let f = file(
                "snippet.go",
                &format!("package p\n\nfunc f() {{\n{snippet}}}\n"),
            );
            run(label, snippet, Command::new("gofmt").arg("-e").arg(&f));
        }
        Language::Yaml => {
            let f = file("snippet.yaml", snippet);
            run(
                label,
                snippet,
                Command::new("python3")
                    .args(["-c", "import yaml,sys; yaml.safe_load(open(sys.argv[1]))"])
                    .arg(&f),
            );
        }
        Language::Json => {
            serde_json::from_str::<serde_json::Value>(snippet)
                .unwrap_or_else(|e| panic!("{label}: {e}\n{snippet}"));
        }
        Language::Shell => {
            let f = file("snippet.sh", snippet);
            run(label, snippet, Command::new("sh").arg("-n").arg(&f));
        }
        Language::CSharp | Language::Text => return false,
    }
    true
}

fn tool(language: Language) -> Option<&'static str> {
    Some(match language {
        Language::Nginx => "nginx",
        Language::Apache => "apache2",
        Language::Caddyfile => "caddy",
        Language::HaProxy => "haproxy",
        Language::JavaScript => "node",
        Language::Python | Language::Yaml => "python3",
        Language::Java => "javac",
        Language::Ruby => "ruby",
        Language::Go => "gofmt",
        Language::Shell => "sh",
        Language::Json | Language::CSharp | Language::Text => return None,
    })
}

/// A snippet each checker must reject, so a checker that accepts anything is caught.
fn broken(language: Language) -> Option<&'static str> {
    Some(match language {
        Language::Nginx => "add_header Vary Origin\n",
        Language::Apache => "Header always bogus Vary Origin\n",
        Language::Caddyfile => "bogus_directive Vary Origin\n",
        Language::HaProxy => "http-after-response bogus-action Vary\n",
        Language::JavaScript => "app.use(cors({ origin: 'x' );\n",
        Language::Python => "CORS(app, origins=[\"x\"\n",
        Language::Java => "public class { }\n",
        Language::Ruby => "allow do\n",
        Language::Go => "c := cors.New(\n",
        Language::Yaml => "a: [b\n",
        Language::Json => "{\"a\": }\n",
        Language::Shell => "if then\n",
        Language::CSharp | Language::Text => return None,
    })
}

#[test]
fn every_checker_rejects_a_broken_snippet() {
    let dir = tempfile::tempdir().unwrap();
    let languages = [
        Language::Nginx,
        Language::Apache,
        Language::Caddyfile,
        Language::HaProxy,
        Language::JavaScript,
        Language::Python,
        Language::Java,
        Language::Ruby,
        Language::Go,
        Language::Yaml,
        Language::Json,
        Language::Shell,
    ];
    for (n, language) in languages.into_iter().enumerate() {
        if tool(language).is_some_and(|t| !installed(t)) {
            continue;
        }
        let snippet = broken(language).unwrap();
        let path = dir.path().to_path_buf();
        let rejected =
            std::panic::catch_unwind(|| check(&path, 1000 + n, "broken", language, snippet));
        assert!(rejected.is_err(), "{language:?} accepted {snippet:?}");
    }
}

#[test]
fn every_snippet_passes_its_stacks_syntax_check() {
    let dir = tempfile::tempdir().unwrap();
    let mut checked: BTreeMap<&str, usize> = BTreeMap::new();
    let mut unchecked: BTreeMap<&str, usize> = BTreeMap::new();
    let mut available: BTreeMap<&str, bool> = BTreeMap::new();
    let mut seen = std::collections::BTreeSet::new();
    let mut n = 0;
    for stack in Stack::ALL {
        for remedy in Remedy::ALL {
            for credentials in [false, true] {
                let Some((language, snippet)) = snippet_for(stack, remedy, &params(credentials))
                else {
                    continue;
                };
                assert!(snippet.ends_with('\n'), "{stack:?} {remedy:?}");
                if !seen.insert(snippet.clone()) {
                    continue;
                }
                if language == Language::Python || language == Language::Yaml {
                    let ok = *available
                        .entry("python3")
                        .or_insert_with(|| installed("python3"));
                    if language == Language::Yaml && ok {
                        // PyYAML is a separate package.
                        let yaml = Command::new("python3")
                            .args(["-c", "import yaml"])
                            .status()
                            .is_ok_and(|s| s.success());
                        assert!(yaml || std::env::var("CI").as_deref() != Ok("true"));
                        if !yaml {
                            println!("skipped: python3 yaml module not installed");
                            continue;
                        }
                    }
                }
                if let Some(t) = tool(language) {
                    if !*available.entry(t).or_insert_with(|| installed(t)) {
                        continue;
                    }
                }
                n += 1;
                let label = format!("{stack:?} {remedy:?} credentials={credentials}");
                if check(dir.path(), n, &label, language, &snippet) {
                    *checked.entry(language.as_str()).or_default() += 1;
                } else {
                    *unchecked.entry(language.as_str()).or_default() += 1;
                }
            }
        }
    }
    println!("checked: {checked:?}; not checkable: {unchecked:?}");
    assert!(checked.values().sum::<usize>() >= 100, "{checked:?}");
}
