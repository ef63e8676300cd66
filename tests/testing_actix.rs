//! Testing actix-web handlers that need a session, as an application's own
//! test file would: a `Cookie` header for a session prepared in code,
//! requests through `actix_web::test`, and the session read back from the
//! response's `Set-Cookie` lines.
#![cfg(feature = "actix")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use actix_web::http::StatusCode;
use actix_web::http::header::{COOKIE, SET_COOKIE};
use actix_web::{App, HttpResponse, test, web};
use sealed_session::actix::{Session, SessionMiddleware};
use sealed_session::{CookieStore, Keyring, ResponseSession};

// ---- the application under test

async fn dashboard(session: Session) -> actix_web::Result<HttpResponse> {
    Ok(match session.get::<String>("user")? {
        Some(user) => HttpResponse::Ok().body(format!("Hello, {user}")),
        None => HttpResponse::SeeOther()
            .insert_header(("location", "/login"))
            .finish(),
    })
}

async fn upgrade(session: Session) -> actix_web::Result<HttpResponse> {
    session.insert("plan", "pro")?;
    session.add_flash("Upgraded to pro")?;
    Ok(HttpResponse::SeeOther()
        .insert_header(("location", "/"))
        .finish())
}

async fn logout(session: Session) -> HttpResponse {
    session.destroy();
    HttpResponse::SeeOther()
        .insert_header(("location", "/login"))
        .finish()
}

fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/", web::get().to(dashboard))
        .route("/upgrade", web::post().to(upgrade))
        .route("/logout", web::post().to(logout));
}

// ---- the tests

fn store() -> CookieStore {
    let keyring =
        Keyring::from_config(&Keyring::generate_entry(Default::default()).unwrap()).unwrap();
    CookieStore::builder("session", keyring)
        .allow_non_host_name()
        .build()
        .unwrap()
}

fn set_cookie<B>(response: &actix_web::dev::ServiceResponse<B>) -> Vec<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn a_logged_in_user_sees_the_dashboard() {
    let store = store();
    let app = test::init_service(
        App::new()
            .configure(routes)
            .wrap(SessionMiddleware::new(store.clone())),
    )
    .await;
    let cookie = store
        .cookie_header_for(|s| {
            s.insert("user", "alice")?;
            Ok(())
        })
        .unwrap();
    let request = test::TestRequest::get()
        .uri("/")
        .insert_header((COOKIE, cookie))
        .to_request();
    let body = test::call_and_read_body(&app, request).await;
    assert_eq!(body, "Hello, alice");

    let response = test::call_service(&app, test::TestRequest::get().uri("/").to_request()).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}

#[actix_web::test]
async fn upgrade_stores_the_plan_and_a_flash_and_logout_deletes() {
    let store = store();
    let app = test::init_service(
        App::new()
            .configure(routes)
            .wrap(SessionMiddleware::new(store.clone())),
    )
    .await;
    let cookie = store
        .cookie_header_for(|s| s.insert("user", "alice"))
        .unwrap();
    let request = test::TestRequest::post()
        .uri("/upgrade")
        .insert_header((COOKIE, cookie.clone()))
        .to_request();
    let response = test::call_service(&app, request).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let mut session = store
        .session_from_response(set_cookie(&response))
        .unwrap()
        .saved()
        .expect("the handler saved the session");
    assert_eq!(
        session.get::<String>("plan").unwrap().as_deref(),
        Some("pro")
    );
    assert_eq!(session.flashes::<String>().unwrap(), ["Upgraded to pro"]);

    let request = test::TestRequest::post()
        .uri("/logout")
        .insert_header((COOKIE, cookie))
        .to_request();
    let response = test::call_service(&app, request).await;
    assert!(matches!(
        store.session_from_response(set_cookie(&response)).unwrap(),
        ResponseSession::Deleted
    ));
}
