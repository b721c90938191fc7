//! The `mandi-bot` binary's setup errors.

use std::process::Command;

fn bot() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mandi-bot"));
    c.env_remove("TELEGRAM_BOT_TOKEN")
        .env_remove("MANDI_BOT_CONFIG")
        .env_remove("MANDI_BOT_ADMINS")
        .current_dir(std::env::temp_dir());
    c
}

#[test]
fn without_a_token_it_exits_2_and_says_what_to_set() {
    let out = bot().output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("TELEGRAM_BOT_TOKEN"), "{err}");
}

#[test]
fn an_unreachable_bot_api_exits_2_without_showing_the_token() {
    // A loopback port nobody listens on: the test never leaves this machine.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = std::env::temp_dir().join(format!("mandi-bot-unreach-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bot.toml");
    std::fs::write(
        &file,
        format!(
            "api_base_url = \"http://127.0.0.1:{port}\"\ndatabase = {:?}\n",
            dir.join("bot.db").display().to_string()
        ),
    )
    .unwrap();
    let out = bot()
        .env("TELEGRAM_BOT_TOKEN", "123:VERY-SECRET")
        .arg("--config")
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("getMe"), "{err}");
    assert!(!err.contains("VERY-SECRET"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_broken_config_file_exits_2_naming_the_file() {
    let dir = std::env::temp_dir().join(format!("mandi-bot-bin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bot.toml");
    std::fs::write(&file, "admins = [").unwrap();
    let out = bot().arg("--config").arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bot.toml"));
    std::fs::remove_dir_all(&dir).unwrap();
}
