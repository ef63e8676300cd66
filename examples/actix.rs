//! sealed-session in actix-web: a visit counter and a flash message, with
//! the same `CookieStore` as the axum demo.
//!
//! ```sh
//! cargo run --example actix --features actix            # http://localhost:8080/
//! PORT=0 SESSION_KEYS="$(cargo run -q --features cli -- keygen)" cargo run --example actix --features actix
//! ```
//!
//! `SESSION_KEYS` holds the key configuration (newest first); when unset a
//! fresh development key is generated and sessions do not survive a
//! restart. The cookie is `__Host-session` with the default `Secure`, as in
//! production: browsers keep such cookies over plain HTTP on
//! `http://localhost` (a secure context), so open that address, not an IP
//! or a LAN name (there, build the store with `with_secure(false)` and a
//! plain name for development).

use std::net::TcpListener;

use actix_web::http::header::{ContentType, LOCATION};
use actix_web::{App, HttpResponse, HttpServer, web};
use sealed_session::actix::{Session, SessionMiddleware};
use sealed_session::{CookieStore, Keyring};

type BoxError = Box<dyn std::error::Error>;

async fn index(session: Session) -> actix_web::Result<HttpResponse> {
    let visits: u32 = session
        .get("visits")
        .map_err(actix_web::error::ErrorInternalServerError)?
        .unwrap_or(0)
        + 1;
    session
        .insert("visits", &visits)
        .map_err(actix_web::error::ErrorInternalServerError)?;
    let flashes: Vec<String> = session
        .flashes()
        .map_err(actix_web::error::ErrorInternalServerError)?;
    let flash = flashes
        .iter()
        .map(|f| format!("<p class=flash>{}</p>", escape(f)))
        .collect::<String>();
    let body = format!(
        "<!doctype html><title>sealed-session + actix-web</title>\
         <style>body{{font:16px system-ui;max-width:32em;margin:3em auto}}.flash{{background:#e6f4ea;padding:.5em}}</style>\
         <h1>actix-web</h1>{flash}<p>Visits in this session: <b>{visits}</b></p>\
         <form method=post action=/flash><button>Leave a flash message</button></form>\
         <form method=post action=/logout><button>End the session</button></form>\
         <p><small>{} cookie(s), {} bytes sealed</small></p>",
        session.cookie_count(),
        session.sealed_len()
    );
    Ok(HttpResponse::Ok()
        .content_type(ContentType::html())
        .body(body))
}

async fn flash(session: Session) -> actix_web::Result<HttpResponse> {
    session
        .add_flash("Hello from the previous request: this message is shown once.")
        .map_err(actix_web::error::ErrorInternalServerError)?;
    Ok(see_other("/"))
}

async fn logout(session: Session) -> HttpResponse {
    session.destroy();
    see_other("/")
}

fn see_other(to: &'static str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, to))
        .finish()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn store() -> Result<CookieStore, BoxError> {
    // Unset: a fresh development key, with a warning on stderr.
    let keyring = Keyring::from_env_or_generate("SESSION_KEYS")?;
    Ok(CookieStore::builder("__Host-session", keyring).build()?)
}

#[actix_web::main]
async fn main() -> Result<(), BoxError> {
    let store = store()?;
    let port: u16 = match std::env::var("PORT") {
        Ok(port) => port.parse()?,
        Err(_) => 8080,
    };
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    println!(
        "listening on http://localhost:{}/",
        listener.local_addr()?.port()
    );
    HttpServer::new(move || {
        App::new()
            .wrap(SessionMiddleware::new(store.clone()))
            .route("/", web::get().to(index))
            .route("/flash", web::post().to(flash))
            .route("/logout", web::post().to(logout))
    })
    .workers(2)
    .listen(listener)?
    .run()
    .await?;
    Ok(())
}
