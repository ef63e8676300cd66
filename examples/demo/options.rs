//! The demo's command-line options and their environment-variable fallbacks.

use std::path::PathBuf;

use crate::BoxError;

/// Command-line options, each with an environment-variable fallback.
pub(crate) struct Config {
    pub(crate) port: u16,
    pub(crate) users_file: Option<PathBuf>,
    pub(crate) instance: String,
    pub(crate) secure_cookies: bool,
    pub(crate) cookie_budget: Option<usize>,
    pub(crate) keys_file: Option<PathBuf>,
    pub(crate) redis_url: Option<String>,
}

impl Config {
    pub(crate) fn from_args() -> Result<Config, BoxError> {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let mut config = Config {
            port: env("PORT").map(|p| p.parse()).transpose()?.unwrap_or(3000),
            users_file: env("USERS_FILE").map(PathBuf::from),
            instance: env("INSTANCE").unwrap_or_else(|| "demo".to_owned()),
            secure_cookies: env("SECURE_COOKIES").is_some_and(|v| v != "0"),
            cookie_budget: env("COOKIE_BUDGET").map(|b| b.parse()).transpose()?,
            keys_file: env("SESSION_KEYS_FILE").map(PathBuf::from),
            redis_url: env("REDIS_URL"),
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((flag, value)) => (flag.to_owned(), Some(value.to_owned())),
                None => (arg, None),
            };
            let mut value = |name: &str| {
                inline
                    .clone()
                    .or_else(|| args.next())
                    .ok_or_else(|| format!("{name} needs a value"))
            };
            match flag.as_str() {
                "--port" => config.port = value("--port")?.parse()?,
                "--users" => config.users_file = Some(PathBuf::from(value("--users")?)),
                "--keys-file" => config.keys_file = Some(PathBuf::from(value("--keys-file")?)),
                "--redis" => config.redis_url = Some(value("--redis")?),
                "--instance" => config.instance = value("--instance")?,
                "--cookie-budget" => {
                    config.cookie_budget = Some(value("--cookie-budget")?.parse()?)
                }
                "--secure-cookies" => config.secure_cookies = true,
                "--insecure-cookies" => config.secure_cookies = false,
                "-h" | "--help" => {
                    println!(
                        "usage: demo [--port N] [--keys-file PATH] [--users FILE | --redis URL] [--instance NAME] [--cookie-budget BYTES] [--secure-cookies]\n\
                         environment: SESSION_KEYS, SESSION_KEYS_FILE, PORT, USERS_FILE, REDIS_URL, INSTANCE, COOKIE_BUDGET, SECURE_COOKIES"
                    );
                    std::process::exit(0);
                }
                other => return Err(format!("unknown option {other:?} (try --help)").into()),
            }
        }
        if config.redis_url.is_some() && config.users_file.is_some() {
            return Err("--users and --redis are alternatives: choose one".into());
        }
        Ok(config)
    }
}
