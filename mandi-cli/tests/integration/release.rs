//! The conventions users of ripgrep, cargo and gh expect: exit codes, colour only when asked
//! or on a terminal, one-line errors, completions, the man page, tables that fit, a private
//! config file, and the link shapes people paste.

use crate::util::assert_one_line_error;

/// An ASIN well-formed but not in the sandbox catalogue.
const UNKNOWN: &str = "B0ZZZZZZZ1";

mtest!(
    the_asins_the_docs_use_work_on_the_default_source,
    |dir, cmd| {
        let text = cmd.args(["lookup", "B0CX59H5W7", "B0D5YCYS1G"]).stdout();
        assert!(
            text.contains("B0CX59H5W7") && text.contains("B0D5YCYS1G"),
            "{text}"
        );
        let family = dir.mandi().args(["variations", "B0CX59H5W7"]).stdout();
        assert!(family.contains("B0CX59H5W7"), "{family}");
        dir.mandi()
            .args(["watch", "add", "B0CX59H5W7", "--below", "54999"])
            .stdout();
    }
);

mtest!(not_found_exits_1_everywhere_with_one_line, |dir, cmd| {
    let err = cmd.args(["chart", UNKNOWN]).fails_with(1);
    assert_one_line_error(&err);
    for args in [
        vec!["variations", UNKNOWN],
        vec!["lookup", UNKNOWN],
        vec!["watch", "add", UNKNOWN, "--below", "100"],
    ] {
        let err = dir.mandi().args(&args).fails_with(1);
        // No ERROR log line from a library span before the message (`lookup` reports the
        // missing product on stdout, the others on stderr).
        assert!(err.lines().count() <= 1, "{args:?}: {err}");
        assert!(!err.contains("ERROR"), "{args:?}: {err}");
    }
});

mtest!(a_huge_argument_is_not_echoed_back, |dir, cmd| {
    let huge = "a".repeat(100_000);
    for command in ["lookup", "asin", "watch"] {
        let mut c = dir.mandi();
        if command == "watch" {
            c.args(["watch", "add", &huge]);
        } else {
            c.args([command, &huge]);
        }
        let err = c.fails_with(2);
        assert_one_line_error(&err);
        assert!(err.len() < 400, "{command}: {} bytes on stderr", err.len());
    }
    drop(cmd);
});

mtest!(colour_only_when_asked_or_on_a_terminal, |dir, cmd| {
    // Piped (as here), `auto` writes no escape codes, logs and errors included.
    let o = cmd.args(["-vv", "lookup", "B0CX59H5W7"]).output();
    assert!(o.status.success());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!stderr.is_empty(), "-vv logs something");
    assert!(!stderr.contains('\x1b'), "{stderr}");
    // `always` colours even a pipe ...
    let o = dir
        .mandi()
        .args(["--color", "always", "-vv", "lookup", "B0CX59H5W7"])
        .output();
    assert!(String::from_utf8_lossy(&o.stderr).contains("\x1b["));
    let err = dir
        .mandi()
        .args(["--color=always", "chart", UNKNOWN])
        .fails_with(1);
    assert!(err.starts_with("\x1b["), "{err:?}");
    // ... `never` and NO_COLOR do not.
    let err = dir
        .mandi()
        .args(["--color", "never", "chart", UNKNOWN])
        .fails_with(1);
    assert!(!err.contains('\x1b'), "{err:?}");
    let help = dir.mandi().env("NO_COLOR", "1").args(["--help"]).stdout();
    assert!(!help.contains('\x1b'));
    let err = dir
        .mandi()
        .args(["--color", "sometimes", "lookup", "B0CX59H5W7"])
        .fails_with(2);
    assert!(err.contains("sometimes"), "{err}");
});

mtest!(global_options_have_their_own_heading, |dir, cmd| {
    let help = cmd.args(["--help"]).stdout();
    let heading = help
        .find("Global options:")
        .expect("a Global options heading");
    for flag in ["--json", "--config", "--source", "--verbose", "--color"] {
        let at = help
            .find(flag)
            .unwrap_or_else(|| panic!("{flag} in --help"));
        assert!(at > heading, "{flag} is listed under Global options");
    }
    let sub = dir.mandi().args(["lookup", "--help"]).stdout();
    assert!(sub.contains("Global options:"), "{sub}");
});

mtest!(completions_for_each_shell_and_a_man_page, |dir, cmd| {
    let bash = cmd.args(["completions", "bash"]).stdout();
    assert!(
        bash.contains("_mandi()") && bash.contains("complete "),
        "{bash}"
    );
    assert!(bash.contains("watch") && bash.contains("--color"));
    for (shell, marker) in [
        ("zsh", "#compdef mandi"),
        ("fish", "complete -c mandi"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let script = dir.mandi().args(["completions", shell]).stdout();
        assert!(script.contains(marker), "{shell}: {script}");
    }
    let err = dir.mandi().args(["completions", "tcsh"]).fails_with(2);
    assert!(err.contains("tcsh"), "{err}");
    let man = dir.mandi().args(["man"]).stdout();
    assert!(man.starts_with(".ie") || man.contains(".TH mandi"), "{man}");
    assert!(
        man.contains("completions") && man.contains("\\-\\-color"),
        "{man}"
    );
});

mtest!(tables_fit_the_terminal_width, |dir, cmd| {
    let wide = cmd.args(["search", "phone"]).stdout();
    assert!(
        wide.lines().any(|l| l.chars().count() > 60),
        "a pipe gets whole lines:\n{wide}"
    );
    for columns in ["60", "80"] {
        let text = dir
            .mandi()
            .env("COLUMNS", columns)
            .args(["search", "phone"])
            .stdout();
        let max: usize = columns.parse().expect("number");
        for line in text.lines() {
            assert!(
                line.chars().count() <= max,
                "COLUMNS={columns}: {line:?} is {} wide",
                line.chars().count()
            );
        }
        assert!(text.contains('…'), "long titles are cut:\n{text}");
    }
});

mtest!(counts_use_indian_grouping_like_prices, |dir, cmd| {
    let text = cmd.args(["lookup", "B0CX59H5W7"]).stdout();
    let rating = text
        .lines()
        .find(|l| l.trim_start().starts_with("rating"))
        .unwrap_or_else(|| panic!("a rating line in:\n{text}"));
    // `1,85,016 ratings`: the count's groups after the first are of two digits.
    let count: String = rating
        .split('(')
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .unwrap_or_default()
        .to_owned();
    let groups: Vec<&str> = count.split(',').collect();
    if let Some((last, middle)) = groups.split_last() {
        assert_eq!(last.len(), 3, "{rating}");
        for g in middle.iter().skip(1) {
            assert_eq!(g.len(), 2, "{rating}");
        }
    }
    assert!(rating.contains("ratings"), "{rating}");
    assert!(!text.contains(".00"), "prices drop empty paise:\n{text}");
});

#[cfg(unix)]
mtest!(the_config_file_is_private, |dir, cmd| {
    use std::os::unix::fs::PermissionsExt;
    cmd.args(["config", "init"]).stdout();
    let mode = std::fs::metadata(dir.config_file())
        .expect("config written")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
});

mtest!(
    pasted_ad_and_sponsored_links_find_the_product,
    |dir, cmd| {
        let links = [
            "https://www.amazon.in/sspa/click?ie=UTF8&spc=MTo0&url=%2FRedmi-Note-13%2Fdp%2FB0CX59H5W7%2Fref%3Dsr_1_1_sspa%3Fpsc%3D1&sp_csd=d2lk",
            "https://www.amazon.in/gp/slredirect/picassoRedirect.html/ref=pa_sp_atf?ie=UTF8&adId=A01&url=%2Fdp%2FB0CX59H5W7%2F&qualifier=1",
            "https://aax-eu.amazon-adsystem.com/x/c/RHdk/https://www.amazon.in/dp/B0CX59H5W7?tag=x-21",
            "https://m.amazon.in/gp/product/glance/B0CX59H5W7",
            "https://www.amazon.in/-/hi/dp/B0CX59H5W7",
        ];
        for link in links {
            let text = dir.mandi().args(["asin", link]).stdout();
            assert!(text.contains("B0CX59H5W7"), "{link}: {text}");
        }
        let err = cmd
            .args(["asin", "https://www.amazon.in/hz/wishlist/ls/2ABCDEFGHIJ"])
            .fails_with(2);
        assert_one_line_error(&err);
        assert!(err.contains("wish list"), "{err}");
    }
);
