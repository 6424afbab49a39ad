//! A server-sent events reader (the WHATWG `text/event-stream` format): bytes in as the
//! network delivers them, whole messages out. Bytes are kept until a line is complete,
//! so a character split across two reads arrives intact, and a message is given out
//! only at the blank line that ends it.

/// One dispatched message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Message {
    /// The `event:` name; `None` means the default, `message`.
    pub event: Option<String>,
    /// The `data:` lines, joined with newlines.
    pub data: String,
    /// The last `id:` seen on this stream, as the spec carries it forward.
    pub id: Option<String>,
}

#[derive(Debug, Default)]
pub struct Parser {
    /// Bytes after the last complete line.
    pending: Vec<u8>,
    /// The message being read.
    data: Option<String>,
    event: Option<String>,
    last_id: Option<String>,
    started: bool,
}

impl Parser {
    pub fn new() -> Parser {
        Parser::default()
    }

    /// Takes the next bytes off the wire; returns the messages they completed.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<Message> {
        self.pending.extend_from_slice(chunk);
        let bytes = std::mem::take(&mut self.pending);
        let mut out = Vec::new();
        let mut start = 0;
        if !self.started {
            const BOM: &[u8] = b"\xEF\xBB\xBF";
            if bytes.len() < BOM.len() && BOM.starts_with(&bytes) {
                self.pending = bytes;
                return out;
            }
            self.started = true;
            if bytes.starts_with(BOM) {
                start = BOM.len();
            }
        }
        while let Some(pos) = bytes[start..]
            .iter()
            .position(|b| *b == b'\n' || *b == b'\r')
        {
            let end = start + pos;
            // A line may end in CR, LF or CRLF: a CR that is the last byte so far may
            // yet be followed by its LF, so wait for the next read.
            let terminator = match (bytes[end], bytes.get(end + 1)) {
                (b'\r', None) => break,
                (b'\r', Some(b'\n')) => 2,
                _ => 1,
            };
            self.line(&String::from_utf8_lossy(&bytes[start..end]), &mut out);
            start = end + terminator;
        }
        self.pending = bytes[start..].to_vec();
        out
    }

    fn line(&mut self, line: &str, out: &mut Vec<Message>) {
        if line.is_empty() {
            let event = self.event.take();
            // A message without data is not dispatched (the spec's rule); keep-alive
            // comments end up here.
            if let Some(mut data) = self.data.take() {
                if data.ends_with('\n') {
                    data.pop();
                }
                out.push(Message {
                    event,
                    data,
                    id: self.last_id.clone(),
                });
            }
            return;
        }
        if line.starts_with(':') {
            return;
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        match field {
            "data" => {
                let data = self.data.get_or_insert_with(String::new);
                data.push_str(value);
                data.push('\n');
            }
            "event" => self.event = Some(value.to_string()),
            "id" if !value.contains('\0') => self.last_id = Some(value.to_string()),
            // `retry` and unknown fields: the reconnect delay is the caller's own.
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(chunks: &[&[u8]]) -> Vec<Message> {
        let mut p = Parser::new();
        chunks.iter().flat_map(|c| p.push(c)).collect()
    }

    #[test]
    fn a_message_comes_out_at_its_blank_line_and_not_before() {
        let mut p = Parser::new();
        assert!(p.push(b"event: change\ndata: {\"seq\":4}\n").is_empty());
        let got = p.push(b"\n");
        assert_eq!(
            got,
            vec![Message {
                event: Some("change".into()),
                data: "{\"seq\":4}".into(),
                id: None,
            }]
        );
    }

    #[test]
    fn a_character_split_across_reads_arrives_whole() {
        let text = "data: Ädis Abäba ✈\n\n".as_bytes();
        // Split inside the three bytes of ✈ and inside Ä.
        let cut = text.len() - 4;
        let got = all(&[&text[..7], &text[7..cut], &text[cut..]]);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].data, "Ädis Abäba ✈");
    }

    #[test]
    fn crlf_cr_and_lf_all_end_lines_even_when_split() {
        let got = all(&[b"data: a\r", b"\n\r", b"\ndata: b\r\r", b"data: c\n\n"]);
        let data: Vec<&str> = got.iter().map(|m| m.data.as_str()).collect();
        assert_eq!(data, ["a", "b", "c"]);
    }

    #[test]
    fn comments_and_messages_without_data_are_not_dispatched() {
        let got = all(&[b": keep-alive\n\n", b"event: ping\n\n", b"data:x\n\n"]);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].data, "x");
        assert_eq!(
            got[0].event, None,
            "an event name does not outlive its message"
        );
    }

    #[test]
    fn data_lines_join_with_newlines_and_the_last_id_carries_forward() {
        let got = all(&[b"id: 7\ndata: one\ndata:two\ndata\n\n", b"data: next\n\n"]);
        assert_eq!(got[0].data, "one\ntwo\n");
        assert_eq!(got[0].id.as_deref(), Some("7"));
        assert_eq!(got[1].id.as_deref(), Some("7"));
    }

    #[test]
    fn a_leading_byte_order_mark_is_skipped() {
        let got = all(&[b"\xEF\xBB\xBFdata: hi\n\n"]);
        assert_eq!(got[0].data, "hi");
    }
}
