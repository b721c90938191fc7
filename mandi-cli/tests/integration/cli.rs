//! The command line itself: help, exit codes, global options.

mtest!(help_shows_examples_and_exit_codes, |dir, cmd| {
    let help = cmd.args(["--help"]).stdout();
    assert!(help.contains("Examples:"), "{help}");
    assert!(help.contains("Exit status: 0 success, 1 nothing found, 2 error"));
});

mtest!(every_subcommand_help_has_an_example, |dir, cmd| {
    for args in [
        vec!["config", "--help"],
        vec!["config", "path", "--help"],
        vec!["config", "show", "--help"],
        vec!["config", "init", "--help"],
        vec!["asin", "--help"],
    ] {
        let (_d, mut c) = crate::util::setup("help");
        let help = c.args(&args).stdout();
        assert!(
            help.contains("mandi "),
            "{args:?} help has no example:\n{help}"
        );
    }
});

mtest!(usage_errors_exit_2, |dir, cmd| {
    let stderr = cmd.args(["no-such-command"]).fails_with(2);
    assert!(stderr.contains("no-such-command"), "{stderr}");
});
