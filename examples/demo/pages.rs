//! The demo's HTML: page frame, style, credentials forms.

use std::fmt::Write as _;

pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub(crate) fn credentials_page(
    title: &str,
    action: &str,
    token: &str,
    flashes: &[String],
    error: Option<&str>,
) -> String {
    let mut body = format!("<h1>{title}</h1>");
    if let Some(error) = error {
        let _ = write!(body, "<p class=\"error\">{}</p>", escape(error));
    }
    let (other, other_label) = if action == "/login" {
        ("/register", "No account yet? Register")
    } else {
        ("/login", "Have an account? Log in")
    };
    let _ = write!(
        body,
        "<form method=\"post\" action=\"{action}\" class=\"stack\">\
         <input type=\"hidden\" name=\"csrf_token\" value=\"{token}\">\
         <label>User name <input name=\"username\" autocomplete=\"username\" required></label>\
         <label>Password <input name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>\
         <div class=\"row\"><button type=\"submit\">{title}</button>\
         <a href=\"{other}\">{other_label}</a></div>\
         </form>"
    );
    page(title, None, flashes, &body)
}

const STYLE: &str = "\
*{box-sizing:border-box}\
body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;background:#f3f4f6;color:#1f2937}\
header{background:#1e293b;color:#f8fafc;padding:.8rem 1.5rem;display:flex;justify-content:space-between;align-items:center}\
header b{font-weight:600;letter-spacing:.02em}header span{color:#94a3b8;font-size:.9rem;display:flex;align-items:center;gap:.8rem}\
header form{margin:0}button.header{background:transparent;border:1px solid #475569;color:#e2e8f0;padding:.25rem .7rem;font-size:.85rem}\
main{max-width:42rem;margin:2rem auto;background:#fff;border-radius:10px;box-shadow:0 1px 3px rgba(0,0,0,.1);padding:1.5rem 2rem}\
h1{margin:.2rem 0 1rem;font-size:1.6rem}h2{font-size:1.15rem;margin:1.5rem 0 .5rem}h2 small{color:#6b7280;font-weight:400;font-size:.85rem}\
.flash{background:#ecfdf5;border:1px solid #a7f3d0;color:#065f46;padding:.6rem .9rem;border-radius:6px;margin:0 0 .6rem}\
.error{background:#fef2f2;border:1px solid #fecaca;color:#991b1b;padding:.6rem .9rem;border-radius:6px}\
.muted{color:#6b7280}\
.stats{display:grid;grid-template-columns:repeat(4,1fr);gap:.6rem;margin:0}\
.stats div{background:#f8fafc;border:1px solid #e5e7eb;border-radius:6px;padding:.5rem .7rem}\
.stats dt{font-size:.75rem;text-transform:uppercase;color:#6b7280;letter-spacing:.05em}.stats dd{margin:0;font-weight:600}\
.stats small{display:block;color:#6b7280;font-weight:400;font-size:.75rem}\
.notes{padding-left:1.4rem;max-height:14rem;overflow:auto;word-break:break-word}.notes li{margin:.2rem 0}\
.stack{display:flex;flex-direction:column;gap:.7rem;margin:1rem 0}\
label{display:flex;flex-direction:column;font-size:.9rem;color:#374151;gap:.25rem}\
input,textarea{font:inherit;padding:.5rem .6rem;border:1px solid #d1d5db;border-radius:6px}\
.row{display:flex;gap:.7rem;align-items:center;flex-wrap:wrap}.row form{margin:0}\
button{font:inherit;background:#2563eb;color:#fff;border:0;border-radius:6px;padding:.5rem 1rem;cursor:pointer}\
button.secondary{background:#e5e7eb;color:#1f2937}a{color:#2563eb}\
code{font-size:.9rem}";

/// The signed-in user shown in the page header, with the logout form.
pub(crate) struct Signed<'a> {
    pub(crate) user: &'a str,
    pub(crate) csrf: &'a str,
}

pub(crate) fn page(
    title: &str,
    user: Option<Signed<'_>>,
    flashes: &[String],
    body: &str,
) -> String {
    let mut out = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{title}</title><style>{STYLE}</style></head><body>\
         <header><b>sealed-session demo</b><span>{}</span></header><main>",
        match user {
            Some(Signed { user, csrf }) => format!(
                "signed in as {}<form method=\"post\" action=\"/logout\">\
                 <input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
                 <button type=\"submit\" class=\"header\">Log out</button></form>",
                escape(user)
            ),
            None => "stateless encrypted cookie sessions".to_owned(),
        }
    );
    for flash in flashes {
        let _ = write!(out, "<p class=\"flash\">{}</p>", escape(flash));
    }
    out.push_str(body);
    out.push_str("</main></body></html>");
    out
}
