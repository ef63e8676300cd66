//! Testing axum handlers that need a session, as an application's own test
//! file would: a `Cookie` header for a session prepared in code, requests
//! through `tower::ServiceExt::oneshot`, and the session read back from the
//! response's `Set-Cookie` lines.
#![cfg(feature = "axum")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::Router;
use axum::body::Body;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use sealed_session::axum::{Session, SessionLayer};
use sealed_session::{CookieStore, Keyring, ResponseSession, ValueError};
use tower::ServiceExt as _;

// ---- the application under test

async fn dashboard(session: Session) -> Result<Response, ValueError> {
    Ok(match session.get::<String>("user")? {
        Some(user) => format!("Hello, {user}").into_response(),
        None => Redirect::to("/login").into_response(),
    })
}

async fn upgrade(session: Session) -> Result<Redirect, ValueError> {
    session.insert("plan", "pro")?;
    session.add_flash("Upgraded to pro")?;
    Ok(Redirect::to("/"))
}

async fn logout(session: Session) -> Redirect {
    session.destroy();
    Redirect::to("/login")
}

fn app(store: CookieStore) -> Router {
    Router::new()
        .route("/", get(dashboard))
        .route("/upgrade", post(upgrade))
        .route("/logout", post(logout))
        .layer(SessionLayer::new(store))
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

fn set_cookie(response: &Response) -> Vec<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

async fn body_text(response: Response) -> String {
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[tokio::test]
async fn a_logged_in_user_sees_the_dashboard() {
    let store = store();
    let cookie = store
        .cookie_header_for(|s| {
            s.insert("user", "alice")?;
            Ok(())
        })
        .unwrap();
    let request = Request::get("/")
        .header(COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    let response = app(store.clone()).oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body_text(response).await, "Hello, alice");

    let anonymous = Request::get("/").body(Body::empty()).unwrap();
    let response = app(store).oneshot(anonymous).await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn upgrade_stores_the_plan_and_a_flash() {
    let store = store();
    let cookie = store
        .cookie_header_for(|s| s.insert("user", "alice"))
        .unwrap();
    let request = Request::post("/upgrade")
        .header(COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    let response = app(store.clone()).oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    let mut session = store
        .session_from_response(set_cookie(&response))
        .unwrap()
        .saved()
        .expect("the handler saved the session");
    assert_eq!(
        session.get::<String>("user").unwrap().as_deref(),
        Some("alice")
    );
    assert_eq!(
        session.get::<String>("plan").unwrap().as_deref(),
        Some("pro")
    );
    assert_eq!(session.flashes::<String>().unwrap(), ["Upgraded to pro"]);
}

#[tokio::test]
async fn logout_deletes_the_session() {
    let store = store();
    let cookie = store
        .cookie_header_for(|s| s.insert("user", "alice"))
        .unwrap();
    let request = Request::post("/logout")
        .header(COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    let response = app(store.clone()).oneshot(request).await.unwrap();
    assert!(matches!(
        store.session_from_response(set_cookie(&response)).unwrap(),
        ResponseSession::Deleted
    ));
    // A page that only reads leaves the cookies alone.
    let cookie = store
        .cookie_header_for(|s| s.insert("user", "bob"))
        .unwrap();
    let request = Request::get("/")
        .header(COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    let response = app(store.clone()).oneshot(request).await.unwrap();
    assert!(matches!(
        store.session_from_response(set_cookie(&response)).unwrap(),
        ResponseSession::Unchanged
    ));
}

#[cfg(feature = "csrf")]
#[tokio::test]
async fn a_csrf_protected_form_with_a_token_prepared_in_code() {
    use sealed_session::csrf::axum::CsrfLayer;

    let store = store();
    let (cookie, token) = store
        .csrf_cookie_header_for(|s| {
            s.insert("user", "alice")?;
            Ok(())
        })
        .unwrap();
    let token = token.to_string();
    let app = Router::new()
        .route("/upgrade", post(upgrade))
        .layer(CsrfLayer::new())
        .layer(SessionLayer::new(store.clone()));
    let with = Request::post("/upgrade")
        .header(COOKIE, &cookie)
        .header("x-csrf-token", &token)
        .body(Body::empty())
        .unwrap();
    let response = app.clone().oneshot(with).await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let session = store
        .session_from_response(set_cookie(&response))
        .unwrap()
        .saved()
        .unwrap();
    assert_eq!(
        session.get::<String>("plan").unwrap().as_deref(),
        Some("pro")
    );

    let without = Request::post("/upgrade")
        .header(COOKIE, &cookie)
        .body(Body::empty())
        .unwrap();
    let response = app.oneshot(without).await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(set_cookie(&response).is_empty());
}
