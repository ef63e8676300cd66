//! How the demo answers a request the CSRF layer refused: the library's
//! 403 becomes a page of the demo's own, and the reason goes to the log.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use sealed_session::csrf::Reason;

use crate::pages::page;

/// Replaces the CSRF layer's plain-text refusal with a page.
pub(crate) async fn render_refusal(res: Response) -> Response {
    let Some(reason) = res.extensions().get::<Reason>().copied() else {
        return res;
    };
    eprintln!("csrf: refused a request: {} ({reason})", reason.code());
    let body = page(
        "Forbidden",
        None,
        &[],
        &format!(
            "<p class=\"error\">This form was not sent from this session \
             (<span id=\"csrf-reason\">{}</span>: {reason}). \
             Reload the page and try again.</p><p><a href=\"/\">Back</a></p>",
            reason.code()
        ),
    );
    let mut out = (StatusCode::FORBIDDEN, Html(body)).into_response();
    out.extensions_mut().insert(reason);
    out
}
