//! When the terminal gets colour and other escape codes, and how wide it is.
//!
//! Colour follows `--color auto|always|never`; `auto` (the default) colours only a terminal,
//! and not when `NO_COLOR` is set (to anything but the empty string) or `TERM=dumb`. Escape
//! codes never land in a redirected file or pipe unless `--color always` asks for them.

use std::io::IsTerminal;

use clap::ValueEnum;

/// The `--color` choice.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// Colour when writing to a terminal and `NO_COLOR` is not set.
    #[default]
    Auto,
    /// Always colour, even into a pipe or file.
    Always,
    /// Never colour.
    Never,
}

impl ColorWhen {
    /// Whether a stream gets colour, given whether it is a terminal and the environment.
    pub fn enabled(self, is_terminal: bool, env: &ColorEnv) -> bool {
        match self {
            Self::Always => true,
            Self::Never => false,
            Self::Auto => is_terminal && !env.no_color && !env.dumb_terminal,
        }
    }

    /// The `--color` value in `args`, read before clap parses them so that clap's own help
    /// and errors follow it too. The last one wins, as clap would have it.
    pub fn from_args<I, S>(args: I) -> Option<Self>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut found = None;
        let mut take_next = false;
        for arg in args {
            let Some(arg) = arg.as_ref().to_str() else {
                take_next = false;
                continue;
            };
            if arg == "--" {
                break;
            }
            let value = if take_next {
                Some(arg)
            } else {
                arg.strip_prefix("--color=")
            };
            take_next = arg == "--color";
            if let Some(v) = value.and_then(|v| Self::from_str(v, true).ok()) {
                found = Some(v);
            }
        }
        found
    }
}

/// What the environment says about colour.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ColorEnv {
    /// `NO_COLOR` is set to a non-empty value.
    pub no_color: bool,
    /// `TERM=dumb`.
    pub dumb_terminal: bool,
}

impl ColorEnv {
    /// Reads `NO_COLOR` and `TERM`.
    pub fn capture() -> Self {
        Self {
            no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
            dumb_terminal: std::env::var("TERM").is_ok_and(|t| t == "dumb"),
        }
    }
}

/// Whether stderr gets colour and escape codes (logs, progress lines, the error prefix).
pub fn stderr_enabled(when: ColorWhen) -> bool {
    when.enabled(std::io::stderr().is_terminal(), &ColorEnv::capture())
}

/// How wide tables may be: `COLUMNS` when it is set to a number, else the width of the
/// terminal stdout is on, else no limit (a pipe or file gets whole lines).
pub fn output_width() -> Option<usize> {
    if let Some(columns) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c > 0)
    {
        return Some(columns);
    }
    if !std::io::stdout().is_terminal() {
        return None;
    }
    terminal_size::terminal_size().map(|(terminal_size::Width(w), _)| usize::from(w))
}

/// `text` in bold red when `enabled` (the `mandi:` prefix of an error).
pub fn error_prefix(text: &str, enabled: bool) -> String {
    if enabled {
        format!("\x1b[1;31m{text}\x1b[0m")
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_colours_only_a_terminal_without_no_color() {
        let plain = ColorEnv::default();
        let no_color = ColorEnv {
            no_color: true,
            ..ColorEnv::default()
        };
        assert!(ColorWhen::Auto.enabled(true, &plain));
        assert!(!ColorWhen::Auto.enabled(false, &plain));
        assert!(!ColorWhen::Auto.enabled(true, &no_color));
        assert!(ColorWhen::Always.enabled(false, &no_color));
        assert!(!ColorWhen::Never.enabled(true, &plain));
    }

    #[test]
    fn the_flag_is_found_before_parsing() {
        assert_eq!(ColorWhen::from_args(["mandi", "lookup"]), None);
        assert_eq!(
            ColorWhen::from_args(["mandi", "--color", "never", "lookup"]),
            Some(ColorWhen::Never)
        );
        assert_eq!(
            ColorWhen::from_args(["mandi", "--color=always", "--color=never"]),
            Some(ColorWhen::Never)
        );
        assert_eq!(
            ColorWhen::from_args(["mandi", "asin", "--", "--color=always"]),
            None
        );
    }
}
