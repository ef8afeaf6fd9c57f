//! The page shell: one self-contained HTML document (inline CSS and SVG, no script, no
//! external resource), so it opens from `file://`, offline, and can be mailed.

use std::fmt::Write;

/// A section of the page: a heading, a short note on where its figures come from, and body.
pub struct Section {
    pub id: &'static str,
    pub title: String,
    pub note: Option<String>,
    pub body: String,
}

/// `s` with `& < > "` escaped, safe in text and in attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// A table: a header row and rows of cells already escaped (cells may hold markup).
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut s = String::from("<table><thead><tr>");
    for h in header {
        let _ = write!(s, "<th>{}</th>", escape(h));
    }
    s.push_str("</tr></thead><tbody>");
    for row in rows {
        s.push_str("<tr>");
        for cell in row {
            let _ = write!(s, "<td>{cell}</td>");
        }
        s.push_str("</tr>");
    }
    s.push_str("</tbody></table>");
    s
}

/// Preformatted text (a profile's top table, a leak report).
pub fn pre(text: &str) -> String {
    format!("<pre>{}</pre>", escape(text))
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px auto;max-width:1140px;color:#222;line-height:1.4}\
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 6px;border-bottom:1px solid #ccc;padding-bottom:3px}\
.sub{color:#555;margin:0 0 12px}.note{color:#555;font-size:13px;margin:2px 0 8px}\
table{border-collapse:collapse;font-size:14px;margin:6px 0}th,td{border:1px solid #ccc;padding:3px 10px;text-align:left;vertical-align:top}\
th{background:#f2f2f2}td:last-child{white-space:nowrap}td.num{text-align:right;font-variant-numeric:tabular-nums}\
.better{color:#067d3c}.worse{color:#b3261e}.na{color:#888}\
pre{background:#f7f7f7;border:1px solid #ddd;padding:8px;font-size:12px;overflow-x:auto;max-height:480px}\
nav a{margin-right:12px;font-size:14px}svg{display:block;max-width:100%;height:auto}";

/// The whole document.
pub fn page(title: &str, subtitle: &str, sections: &[Section]) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <style>{STYLE}</style></head><body><h1>{}</h1><p class=\"sub\">{}</p><nav>",
        escape(title),
        escape(title),
        escape(subtitle)
    );
    for sec in sections {
        let _ = write!(s, "<a href=\"#{}\">{}</a>", sec.id, escape(&sec.title));
    }
    s.push_str("</nav>");
    for sec in sections {
        let _ = write!(
            s,
            "<section id=\"{}\"><h2>{}</h2>",
            sec.id,
            escape(&sec.title)
        );
        if let Some(note) = &sec.note {
            let _ = write!(s, "<p class=\"note\">{}</p>", escape(note));
        }
        s.push_str(&sec.body);
        s.push_str("</section>");
    }
    s.push_str("</body></html>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(escape(r#"a<b>&"c""#), "a&lt;b&gt;&amp;&quot;c&quot;");
    }

    #[test]
    fn page_is_one_document_with_its_sections() {
        let p = page(
            "t <1>",
            "sub",
            &[Section {
                id: "summary",
                title: "Summary".into(),
                note: Some("from <steps>".into()),
                body: table(&["a"], &[vec!["1".into()]]),
            }],
        );
        assert!(p.starts_with("<!DOCTYPE html>"));
        assert!(p.contains("<title>t &lt;1&gt;</title>"));
        assert!(p.contains("href=\"#summary\"") && p.contains("id=\"summary\""));
        assert!(p.contains("from &lt;steps&gt;"));
        assert!(!p.contains("<script") && !p.contains("http://") && !p.contains("https://"));
    }
}
