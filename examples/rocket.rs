//! sealed-session in Rocket: a visit counter and a flash message, with the
//! same `CookieStore` as the axum and actix-web examples, and every POST
//! protected against cross-site request forgery by `CsrfFairing` (each
//! form's first field is the session's token; a POST without it, or from
//! another site, gets a 403 that says why).
//!
//! ```sh
//! cargo run --example rocket --features rocket            # http://127.0.0.1:8000/
//! PORT=0 SESSION_KEYS="$(cargo run -q --features cli -- keygen)" cargo run --example rocket --features rocket
//! ```
//!
//! `SESSION_KEYS` holds the key configuration (newest first); when unset a
//! fresh development key is generated and sessions do not survive a
//! restart. The cookie is not `Secure` here because the example serves
//! plain HTTP on loopback; keep the default (`Secure`) in production.

use rocket::fairing::AdHoc;
use rocket::response::Redirect;
use rocket::response::content::RawHtml;
use rocket::{get, post, routes};
use sealed_session::csrf::CsrfToken;
use sealed_session::csrf::rocket::CsrfFairing;
use sealed_session::rocket::{Session, SessionFairing};
use sealed_session::{CookieStore, Keyring, ValueError};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[get("/")]
fn index(session: Session, token: CsrfToken) -> Result<RawHtml<String>, ValueError> {
    let visits: u32 = session.get("visits")?.unwrap_or(0) + 1;
    session.insert("visits", &visits)?;
    let flashes: Vec<String> = session.flashes()?;
    let flash = flashes
        .iter()
        .map(|f| format!("<p class=flash>{}</p>", escape(f)))
        .collect::<String>();
    Ok(RawHtml(format!(
        "<!doctype html><title>sealed-session + Rocket</title>\
         <style>body{{font:16px system-ui;max-width:32em;margin:3em auto}}.flash{{background:#e6f4ea;padding:.5em}}</style>\
         <h1>Rocket</h1>{flash}<p>Visits in this session: <b>{visits}</b></p>\
         <form method=post action=/flash><input type=hidden name=csrf_token value=\"{token}\">\
         <button>Leave a flash message</button></form>\
         <form method=post action=/logout><input type=hidden name=csrf_token value=\"{token}\">\
         <button>End the session</button></form>\
         <p><small>{} cookie(s), {} bytes sealed</small></p>",
        session.cookie_count(),
        session.sealed_len()
    )))
}

#[post("/flash")]
fn flash(session: Session) -> Result<Redirect, ValueError> {
    session.add_flash("Hello from the previous request: this message is shown once.")?;
    Ok(Redirect::to("/"))
}

#[post("/logout")]
fn logout(session: Session) -> Redirect {
    session.destroy();
    Redirect::to("/")
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn store() -> Result<CookieStore, BoxError> {
    // Unset: a fresh development key, with a warning on stderr.
    let keyring = Keyring::from_env_or_generate("SESSION_KEYS")?;
    Ok(CookieStore::builder("session", keyring)
        .with_secure(false) // plain HTTP on loopback only
        .build()?)
}

#[rocket::main]
async fn main() -> Result<(), BoxError> {
    let port: u16 = match std::env::var("PORT") {
        Ok(port) => port.parse()?,
        Err(_) => 8000,
    };
    let config = rocket::Config {
        port,
        ..rocket::Config::debug_default()
    };
    let _ = rocket::custom(config)
        .attach(SessionFairing::new(store()?))
        // After the session fairing: the check needs the session.
        .attach(CsrfFairing::new())
        .attach(AdHoc::on_liftoff("address", |rocket| {
            Box::pin(async move {
                let config = rocket.config();
                println!("listening on http://{}:{}/", config.address, config.port);
            })
        }))
        .mount("/", routes![index, flash, logout])
        .launch()
        .await?;
    Ok(())
}
