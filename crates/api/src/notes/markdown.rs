//! Notes' Markdown as HTML that is safe to show: CommonMark (with tables,
//! strikethrough and task lists) rendered, then cleaned by ammonia, which
//! keeps formatting and drops scripts, event handlers, styles and links
//! other than http, https and mailto.

use pulldown_cmark::{html, Options, Parser};
use std::sync::LazyLock;

static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::default();
    b.url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("noopener noreferrer nofollow"))
        .add_tags(["input"])
        .add_tag_attributes("input", ["type", "checked", "disabled"]);
    b
});

/// `markdown` as safe HTML.
pub fn to_html(markdown: &str) -> String {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut raw, Parser::new_ext(markdown, options));
    CLEANER.clean(&raw).to_string()
}

/// `markdown` as the plain text a reader sees: no marks, no markup, a
/// line per paragraph (an inbox's preview).
pub fn to_text(markdown: &str) -> String {
    use pulldown_cmark::{Event, TagEnd};
    let mut out = String::with_capacity(markdown.len());
    for event in Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item) => out.push('\n'),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{to_html, to_text};

    #[test]
    fn text_keeps_the_words_and_drops_the_marks() {
        assert_eq!(
            to_text("No sessions **tomorrow**: `stay` _warm_.\n\n- one\n- two"),
            "No sessions tomorrow: stay warm.\none\ntwo\n"
        );
        assert_eq!(to_text("<script>x</script>"), "");
    }

    #[test]
    fn formatting_comes_through() {
        let html = to_html("**bold** and _it_\n\n- [x] done\n\n| a | b |\n|---|---|\n| 1 | 2 |");
        assert!(html.contains("<strong>bold</strong>"), "{html}");
        assert!(html.contains("<em>it</em>"), "{html}");
        assert!(html.contains("<table>"), "{html}");
        assert!(html.contains("checked"), "{html}");
    }

    #[test]
    fn no_script_comes_through() {
        for attack in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "[click](javascript:alert(1))",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<svg onload=alert(1)></svg>",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<div style=\"background:url(javascript:alert(1))\">x</div>",
            "[x](JaVaScRiPt:alert(1))",
            "<a href=\"data:text/html;base64,PHNjcmlwdD4=\">x</a>",
            "<form action=\"https://evil.example\"><button>go</button></form>",
        ] {
            let html = to_html(attack).to_lowercase();
            for bad in [
                "<script",
                "onerror",
                "onload",
                "javascript:",
                "<iframe",
                "style=",
                "data:text",
                "<form",
            ] {
                assert!(!html.contains(bad), "{attack} gave {html}");
            }
        }
    }

    #[test]
    fn links_open_safely() {
        let html = to_html("[site](https://example.com)");
        assert!(html.contains("href=\"https://example.com\""), "{html}");
        assert!(
            html.contains("rel=\"noopener noreferrer nofollow\""),
            "{html}"
        );
    }
}
