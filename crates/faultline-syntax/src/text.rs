//! Byte ranges, files and the line table that turns offsets into line/column.

use std::sync::Arc;

/// Index of a source in the run's file list. Order of ids is the sorted input order, so sorting
/// by id is deterministic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

/// A half-open byte range `[start, end)` into one source text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct TextRange {
    pub start: u32,
    pub end: u32,
}

impl TextRange {
    pub fn new(start: u32, end: u32) -> Self {
        debug_assert!(start <= end);
        Self { start, end }
    }
    pub fn empty(at: u32) -> Self {
        Self { start: at, end: at }
    }
    pub fn len(self) -> u32 {
        self.end - self.start
    }
    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
    /// The smallest range covering both.
    pub fn cover(self, other: TextRange) -> TextRange {
        TextRange::new(self.start.min(other.start), self.end.max(other.end))
    }
    pub fn shift(self, by: u32) -> TextRange {
        TextRange::new(self.start + by, self.end + by)
    }
    pub fn contains(self, offset: u32) -> bool {
        self.start <= offset && offset < self.end
    }
}

/// A 1-based line and 1-based column counted in Unicode scalar values, the convention of
/// editors, SARIF (`columnKind: unicodeCodePoints`) and GitHub annotations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

/// Start offsets of every line, so that offset → line/column costs a binary search plus a scan
/// of one line instead of a scan of the file (a 96 MB file made the naive way cost 0.5 s per
/// diagnostic; see shared/docs/dependencies.md).
#[derive(Clone, Debug, Default)]
pub struct LineIndex {
    starts: Vec<u32>,
    len: u32,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = Vec::with_capacity(text.len() / 40 + 1);
        starts.push(0);
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i as u32 + 1));
        Self {
            starts,
            len: text.len() as u32,
        }
    }

    pub fn line_count(&self) -> u32 {
        self.starts.len() as u32
    }

    /// 0-based line number containing `offset`.
    pub fn line_of(&self, offset: u32) -> u32 {
        match self.starts.binary_search(&offset) {
            Ok(i) => i as u32,
            Err(i) => i as u32 - 1,
        }
    }

    /// Byte range of the 0-based line `line`, without its line terminator.
    pub fn line_range(&self, text: &str, line: u32) -> TextRange {
        let start = self.starts[line as usize];
        let mut end = self
            .starts
            .get(line as usize + 1)
            .map_or(self.len, |&next| next - 1);
        if end > start && text.as_bytes().get(end as usize - 1) == Some(&b'\r') {
            end -= 1;
        }
        TextRange::new(start, end)
    }

    pub fn line_col(&self, text: &str, offset: u32) -> LineCol {
        let offset = offset.min(self.len);
        let line = self.line_of(offset);
        let start = self.starts[line as usize] as usize;
        let mut end = offset as usize;
        while end > start && !text.is_char_boundary(end) {
            end -= 1;
        }
        let column = text[start..end].chars().count() as u32 + 1;
        LineCol {
            line: line + 1,
            column,
        }
    }
}

/// One input: its display path (as given on the command line, or `<stdin>`) and its text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub id: FileId,
    pub path: String,
    pub text: Arc<str>,
    pub lines: LineIndex,
}

impl SourceFile {
    pub fn new(id: FileId, path: impl Into<String>, text: impl Into<Arc<str>>) -> Self {
        let text = text.into();
        let lines = LineIndex::new(&text);
        Self {
            id,
            path: path.into(),
            text,
            lines,
        }
    }

    pub fn line_col(&self, offset: u32) -> LineCol {
        self.lines.line_col(&self.text, offset)
    }

    pub fn slice(&self, range: TextRange) -> &str {
        &self.text[range.start as usize..range.end as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_not_bytes() {
        let text = "a: Ünïcödé — 服务\nmemory: 1Gi\n";
        let idx = LineIndex::new(text);
        let off = text.find("memory").unwrap() as u32;
        assert_eq!(idx.line_col(text, off), LineCol { line: 2, column: 1 });
        let off = text.find('服').unwrap() as u32;
        assert_eq!(
            idx.line_col(text, off),
            LineCol {
                line: 1,
                column: 14
            }
        );
        assert_eq!(idx.line_range(text, 1), TextRange::new(off + 7, off + 18));
    }

    #[test]
    fn end_of_file_and_crlf() {
        let text = "a\r\nb";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_col(text, 4), LineCol { line: 2, column: 2 });
        assert_eq!(idx.line_range(text, 0), TextRange::new(0, 1));
    }
}
