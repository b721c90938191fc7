//! `mandi config path|show|init`, the environment, and broken files.

use serde::Deserialize;

use crate::util::assert_one_line_error;

#[derive(Debug, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
enum Doc {
    ConfigPath(PathReport),
    Settings(Settings),
    ConfigInit(PathReport),
}

#[derive(Debug, Deserialize)]
struct PathReport {
    path: String,
    origin: String,
    exists: bool,
}

#[derive(Debug, Deserialize)]
struct Settings {
    config_file: String,
    config_file_exists: bool,
    general: General,
    creators: serde_json::Map<String, serde_json::Value>,
    paapi: serde_json::Map<String, serde_json::Value>,
    sandbox: Sandbox,
}

#[derive(Debug, Deserialize)]
struct General {
    marketplace: String,
    database: String,
    associate_tag: Option<String>,
    source: String,
}

#[derive(Debug, Deserialize)]
struct Sandbox {
    seed: u64,
    speed: f64,
}

fn settings(doc: Doc) -> Settings {
    match doc {
        Doc::Settings(s) => s,
        other => panic!("expected settings, got {other:?}"),
    }
}

mtest!(path_prints_the_file_under_mandi_config_dir, |dir, cmd| {
    let out = cmd.args(["config", "path"]).stdout();
    assert_eq!(out.trim_end(), dir.config_file().display().to_string());
});

mtest!(path_json_says_where_the_path_came_from, |dir, cmd| {
    let Doc::ConfigPath(report) = cmd.args(["config", "path"]).json() else {
        panic!("wrong document type");
    };
    assert_eq!(report.path, dir.config_file().display().to_string());
    assert_eq!(report.origin, "env_dir");
    assert!(!report.exists);
});

mtest!(the_config_flag_wins_over_mandi_config_dir, |dir, cmd| {
    let flagged = dir.path().join("elsewhere.toml");
    let Doc::ConfigPath(report) = cmd
        .args([
            "--config".as_ref(),
            flagged.as_os_str(),
            "config".as_ref(),
            "path".as_ref(),
        ])
        .json()
    else {
        panic!("wrong document type");
    };
    assert_eq!(report.path, flagged.display().to_string());
    assert_eq!(report.origin, "flag");
});

mtest!(show_without_a_file_prints_the_defaults, |dir, cmd| {
    let s = settings(cmd.args(["config", "show"]).json());
    assert!(!s.config_file_exists);
    assert_eq!(s.config_file, dir.config_file().display().to_string());
    assert_eq!(s.general.marketplace, "www.amazon.in");
    assert_eq!(s.general.source, "sandbox");
    assert_eq!(s.general.database, dir.database().display().to_string());
    assert_eq!(s.general.associate_tag, None);
    assert_eq!(s.sandbox.seed, 42);
    assert_eq!(s.sandbox.speed, 1.0);
    assert!(s.creators.is_empty() && s.paapi.is_empty());
});

mtest!(show_reads_the_file, |dir, cmd| {
    dir.write_config(
        "[general]\nmarketplace = \"GB\"\nassociate_tag = \"mytag-21\"\n[sandbox]\nseed = 9\n",
    );
    let s = settings(cmd.args(["config", "show"]).json());
    assert!(s.config_file_exists);
    assert_eq!(s.general.marketplace, "www.amazon.co.uk");
    assert_eq!(s.general.associate_tag.as_deref(), Some("mytag-21"));
    assert_eq!(s.sandbox.seed, 9);
});

mtest!(environment_overrides_the_file, |dir, cmd| {
    dir.write_config("[paapi]\npartner_tag = \"file-21\"\n[sandbox]\nseed = 9\n");
    let s = settings(
        cmd.env("MANDI_PAAPI__PARTNER_TAG", "env-21")
            .env("MANDI_SANDBOX__SEED", "11")
            .env("MANDI_GENERAL__SOURCE", "paapi5")
            .args(["config", "show"])
            .json(),
    );
    assert_eq!(s.paapi["associate_tag"], "env-21");
    assert_eq!(s.sandbox.seed, 11);
    assert_eq!(s.general.source, "paapi5");
});

mtest!(
    creators_credentials_make_creators_the_default_source,
    |dir, cmd| {
        let s = settings(
            cmd.env("MANDI_CREATORS__CREDENTIAL_ID", "amzn1.id")
                .env("MANDI_CREATORS__CREDENTIAL_SECRET", "shh")
                .args(["config", "show"])
                .json(),
        );
        assert_eq!(s.general.source, "creators");
        let s = settings(
            crate::util::setup("source_flag")
                .1
                .env("MANDI_CREATORS__CREDENTIAL_ID", "amzn1.id")
                .env("MANDI_CREATORS__CREDENTIAL_SECRET", "shh")
                .args(["--source", "sandbox", "config", "show"])
                .json(),
        );
        assert_eq!(s.general.source, "sandbox");
    }
);

mtest!(secrets_are_never_printed, |dir, cmd| {
    const SECRET: &str = "do-not-print-me-7f3a";
    const PAAPI_SECRET: &str = "paapi-secret-9b21";
    dir.write_config(&format!(
        "[paapi]\naccess_key = \"AKID\"\nsecret_key = \"{PAAPI_SECRET}\"\n"
    ));
    for json in [false, true] {
        let (_d, mut c) = crate::util::setup("secrets");
        c.env("MANDI_CONFIG_DIR", dir.config_dir())
            .env("MANDI_CREATORS__CREDENTIAL_SECRET", SECRET)
            .args(["-vvv", "config", "show"]);
        if json {
            c.args(["--json"]);
        }
        let o = c.output();
        assert_eq!(o.status.code(), Some(0));
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            !all.contains(SECRET) && !all.contains(PAAPI_SECRET),
            "{all}"
        );
        assert!(all.contains("***"), "{all}");
    }
});

mtest!(a_corrupt_file_names_the_file_line_and_key, |dir, cmd| {
    dir.write_config("[general]\nmarketplace = \"IN\"\n\n[sandbox]\nseed = \"lots\"\n");
    let stderr = cmd.args(["config", "show"]).fails_with(2);
    assert_one_line_error(&stderr);
    assert!(
        stderr.contains(&dir.config_file().display().to_string()),
        "{stderr}"
    );
    assert!(stderr.contains("line 5"), "{stderr}");
    assert!(stderr.contains("sandbox.seed"), "{stderr}");
});

mtest!(broken_toml_names_the_line, |dir, cmd| {
    dir.write_config("[general]\nsource = sandbox\n");
    let stderr = cmd.args(["config", "show"]).fails_with(2);
    assert_one_line_error(&stderr);
    assert!(stderr.contains("line 2"), "{stderr}");
});

mtest!(an_unknown_source_lists_the_choices, |dir, cmd| {
    dir.write_config("[general]\nsource = \"amazon\"\n");
    let stderr = cmd.args(["config", "show"]).fails_with(2);
    assert_one_line_error(&stderr);
    assert!(
        stderr.contains("general.source") && stderr.contains("paapi5"),
        "{stderr}"
    );
});

mtest!(a_bad_environment_value_names_the_variable, |dir, cmd| {
    let stderr = cmd
        .env("MANDI_GENERAL__MARKETPLACE", "amazon.xyz")
        .args(["config", "show"])
        .fails_with(2);
    assert_one_line_error(&stderr);
    assert!(stderr.contains("MANDI_GENERAL__MARKETPLACE"), "{stderr}");
});

mtest!(
    init_writes_the_example_then_refuses_to_overwrite,
    |dir, cmd| {
        let Doc::ConfigInit(report) = cmd.args(["config", "init"]).json() else {
            panic!("wrong document type");
        };
        assert!(report.exists);
        let written = std::fs::read_to_string(dir.config_file()).expect("written");
        assert!(written.contains("[general]") && written.contains("[sandbox]"));
        let s = settings(
            crate::util::setup("after_init")
                .1
                .env("MANDI_CONFIG_DIR", dir.config_dir())
                .args(["config", "show"])
                .json(),
        );
        assert!(s.config_file_exists);
        let stderr = crate::util::setup("again")
            .1
            .env("MANDI_CONFIG_DIR", dir.config_dir())
            .args(["config", "init"])
            .fails_with(2);
        assert_one_line_error(&stderr);
        assert!(stderr.contains("already exists"), "{stderr}");
        assert_eq!(
            std::fs::read_to_string(dir.config_file()).expect("kept"),
            written
        );
    }
);

mtest!(
    a_missing_file_named_with_the_flag_is_an_error,
    |dir, cmd| {
        let stderr = cmd
            .args(["--config", "nope.toml", "config", "show"])
            .fails_with(2);
        assert_one_line_error(&stderr);
        assert!(
            stderr.contains("nope.toml") && stderr.contains("does not exist"),
            "{stderr}"
        );
    }
);
