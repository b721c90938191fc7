//! `mandi completions <shell>` and `mandi man`: a shell completion script and the manual page,
//! both generated from the command-line definition so they never fall behind it.

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use crate::cli::Cli;
use crate::commands::Outcome;
use crate::error::{Error, Result};
use crate::output::Output;

const EXAMPLES: &str = "\
Examples:
  mandi completions bash > ~/.local/share/bash-completion/completions/mandi
  mandi completions zsh > \"${fpath[1]}/_mandi\"
  mandi completions fish > ~/.config/fish/completions/mandi.fish
  mandi completions powershell >> $PROFILE";

const MAN_EXAMPLES: &str = "\
Examples:
  mandi man > mandi.1 && man ./mandi.1
  mandi man | gzip > /usr/local/share/man/man1/mandi.1.gz";

/// `mandi completions`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct Cmd {
    /// The shell to complete for.
    #[arg(value_enum)]
    shell: Shell,
}

/// `mandi man`.
#[derive(Debug, Args)]
#[command(after_help = MAN_EXAMPLES)]
pub struct ManCmd {}

/// Writes the completion script for the shell asked for to stdout.
///
/// # Errors
///
/// `--json` (a script is not JSON), or stdout cannot be written.
pub fn run(cmd: Cmd, out: &mut Output<'_>) -> Result<Outcome> {
    if out.is_json() {
        return Err(Error::Input(
            "a completion script is shell code, not JSON; drop --json".into(),
        ));
    }
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(cmd.shell, &mut command, "mandi", &mut script);
    out.raw(&script)?;
    Ok(Outcome::Success)
}

/// Writes the manual page (roff, section 1) to stdout.
///
/// # Errors
///
/// `--json`, or stdout cannot be written.
pub fn run_man(_cmd: ManCmd, out: &mut Output<'_>) -> Result<Outcome> {
    if out.is_json() {
        return Err(Error::Input(
            "the manual page is roff, not JSON; drop --json".into(),
        ));
    }
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut page)?;
    out.raw(&page)?;
    Ok(Outcome::Success)
}
