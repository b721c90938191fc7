//! Logging: `tracing` to stderr, filtered by `RUST_LOG` (default `warn`; `-v` raises Mandi's
//! own crates to `info`, `-vv` to `debug`, `-vvv` to `trace`).

use tracing_subscriber::EnvFilter;

/// The filter used when `RUST_LOG` is not set.
pub fn default_filter(verbose: u8) -> String {
    let level = match verbose {
        0 => return "warn".to_owned(),
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    format!("warn,mandi={level},mandi_core={level},mandi_paapi={level}")
}

/// Installs the global subscriber: logs go to stderr so stdout stays clean for `--json`.
///
/// A malformed `RUST_LOG` falls back to the default filter (with a warning) rather than
/// failing the command.
///
/// `ansi` turns on colour and escape codes (only when stderr is a terminal, see
/// [`crate::style`]).
pub fn init(verbose: u8, ansi: bool) {
    let fallback = default_filter(verbose);
    let (filter, bad) = match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.trim().is_empty() => match EnvFilter::try_new(&spec) {
            Ok(filter) => (filter, None),
            Err(e) => (EnvFilter::new(&fallback), Some(e.to_string())),
        },
        _ => (EnvFilter::new(&fallback), None),
    };
    let installed = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .with_target(verbose > 1)
        .try_init()
        .is_ok();
    if let (true, Some(reason)) = (installed, bad) {
        tracing::warn!(%reason, "RUST_LOG is not a valid filter; using {fallback}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbosity_raises_only_mandi_crates() {
        assert_eq!(default_filter(0), "warn");
        assert!(default_filter(1).contains("mandi_core=info"));
        assert!(default_filter(2).starts_with("warn,"));
        assert!(default_filter(9).contains("mandi_paapi=trace"));
        for v in 0..4 {
            assert!(EnvFilter::try_new(default_filter(v)).is_ok());
        }
    }
}
