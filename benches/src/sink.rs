//! Renders objects into a reusable buffer and streams them out, tracking the byte count.

use std::io::{self, Write};

use crate::json;
use crate::value::V;
use crate::yaml::{self, YamlStyle};
use crate::{Format, Layout};

/// Renders one item of a `kind: List` (including the JSON separator) into `buf`.
pub(crate) fn render_list_item(buf: &mut String, v: &mut V, format: Format, first: bool) {
    match format {
        Format::Yaml => yaml::emit_item(buf, v, YamlStyle::KUBECTL),
        Format::Json => {
            buf.push_str(if first { "\n        " } else { ",\n        " });
            json::emit_pretty(buf, v, 8, true);
        }
    }
}

/// Renders one document of a multi-document stream.
pub(crate) fn render_doc(
    buf: &mut String,
    v: &mut V,
    format: Format,
    style: YamlStyle,
    source: Option<&str>,
) {
    match format {
        Format::Yaml => {
            buf.push_str("---\n");
            if let Some(s) = source {
                buf.push_str("# Source: ");
                buf.push_str(s);
                buf.push('\n');
            }
            yaml::emit_doc(buf, v, style);
        }
        Format::Json => {
            json::emit_pretty(buf, v, 0, style.sort);
            buf.push('\n');
        }
    }
}

const YAML_LIST_HEAD: &str = "apiVersion: v1\nitems:\n";
const YAML_LIST_TAIL: &str = "kind: List\nmetadata:\n  resourceVersion: \"\"\n";
const JSON_LIST_HEAD: &str = "{\n    \"apiVersion\": \"v1\",\n    \"items\": [";
const JSON_LIST_TAIL: &str =
    "    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n";

/// Bytes of list framing (header + footer).
pub(crate) fn list_overhead(format: Format) -> u64 {
    match format {
        Format::Yaml => (YAML_LIST_HEAD.len() + YAML_LIST_TAIL.len()) as u64,
        Format::Json => (JSON_LIST_HEAD.len() + JSON_LIST_TAIL.len() + 8) as u64,
    }
}

#[derive(Debug)]
pub(crate) struct Sink<W: Write> {
    w: W,
    pub written: u64,
    target: u64,
    format: Format,
    layout: Layout,
    items: u64,
    buf: String,
}

impl<W: Write> Sink<W> {
    pub(crate) fn new(w: W, target: u64, format: Format, layout: Layout) -> Self {
        Sink {
            w,
            written: 0,
            target,
            format,
            layout,
            items: 0,
            buf: String::with_capacity(64 * 1024),
        }
    }

    fn put(&mut self, s: &str) -> io::Result<()> {
        self.w.write_all(s.as_bytes())?;
        self.written += s.len() as u64;
        Ok(())
    }

    /// Has the target been reached (stop at this object boundary)?
    pub(crate) fn full(&self) -> bool {
        self.written >= self.target
    }

    /// Writes a list item. Returns `Ok(false)` once the target size is reached.
    pub(crate) fn item(&mut self, mut v: V) -> io::Result<bool> {
        if self.full() {
            return Ok(false);
        }
        if self.items == 0 {
            let head = match self.format {
                Format::Yaml => YAML_LIST_HEAD,
                Format::Json => JSON_LIST_HEAD,
            };
            self.put(head)?;
        }
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        render_list_item(&mut buf, &mut v, self.format, self.items == 0);
        self.items += 1;
        let r = self.put(&buf);
        self.buf = buf;
        r?;
        Ok(!self.full())
    }

    /// Writes a document of a multi-document stream. Returns `Ok(false)` once the target is reached.
    pub(crate) fn doc(
        &mut self,
        mut v: V,
        style: YamlStyle,
        source: Option<&str>,
    ) -> io::Result<bool> {
        if self.full() {
            return Ok(false);
        }
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        render_doc(&mut buf, &mut v, self.format, style, source);
        self.items += 1;
        let r = self.put(&buf);
        self.buf = buf;
        r?;
        Ok(!self.full())
    }

    /// Closes the list (if any) and flushes. Returns the total byte count.
    pub(crate) fn finish(mut self) -> io::Result<u64> {
        if self.layout == Layout::List {
            match self.format {
                Format::Yaml => {
                    if self.items == 0 {
                        self.put("apiVersion: v1\nitems: []\n")?;
                    }
                    self.put(YAML_LIST_TAIL)?;
                }
                Format::Json => {
                    if self.items == 0 {
                        self.put("{\n    \"apiVersion\": \"v1\",\n    \"items\": [],\n")?;
                    } else {
                        self.put("\n    ],\n")?;
                    }
                    self.put(JSON_LIST_TAIL)?;
                }
            }
        }
        self.w.flush()?;
        Ok(self.written)
    }
}
