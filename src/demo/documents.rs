//! Small real files for the demo's service requests: each `documents` entry the seed's
//! form would have uploaded (a kebele ID, a title deed, a permit) becomes a generated
//! PDF or picture attached to its ticket, so `desk --demo` shows attachments working.

use std::io::Cursor;

use crate::domain::model::CustomFields;
use crate::service::{Result, Service, ServiceError, Spool, Upload};

/// The file names under the `documents` custom field, as seed 002 lists them.
pub fn listed(fields: &CustomFields) -> Vec<String> {
    fields
        .get("documents")
        .and_then(|d| d.as_array())
        .map(|docs| {
            docs.iter()
                .filter_map(|d| d.get("name").and_then(|n| n.as_str()))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// A generated file for `name`, by its extension: a one-page PDF that says what it
/// stands for, a JPEG or PNG of a plain card; `None` for other kinds.
pub fn content(name: &str, ticket_title: &str) -> Option<Vec<u8>> {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase())?;
    match ext.as_str() {
        "pdf" => Some(pdf(&format!("Demo document: {name}"), ticket_title)),
        "jpg" | "jpeg" => picture(image::ImageFormat::Jpeg),
        "png" => picture(image::ImageFormat::Png),
        _ => None,
    }
}

/// Spools the generated files of `names` as uploads, under the desk's own limits.
pub async fn uploads(service: &Service, names: &[String], title: &str) -> Result<Vec<Upload>> {
    let max = service.attachment_limits().max_bytes;
    let mut out = Vec::new();
    for name in names {
        let Some(bytes) = content(name, title) else {
            continue;
        };
        let mut spool = Spool::new(name, max).await?;
        spool.write(&bytes).await?;
        out.push(spool.finish().await?);
    }
    Ok(out)
}

/// A PDF 1.4 file with one page and two lines of Helvetica; the cross-reference table's
/// offsets are counted, so readers open it without repairing it.
fn pdf(heading: &str, line: &str) -> Vec<u8> {
    let text = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_ascii() && !c.is_ascii_control())
            .map(|c| match c {
                '(' | ')' | '\\' => format!("\\{c}"),
                c => c.to_string(),
            })
            .collect()
    };
    let stream = format!(
        "BT /F1 16 Tf 72 720 Td ({}) Tj 0 -28 Td /F1 11 Tf ({}) Tj ET",
        text(heading),
        text(line)
    );
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
        format!("<< /Length {} >>\nstream\n{stream}\nendstream", stream.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for at in offsets {
        out.extend_from_slice(format!("{at:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// A 160x100 card: a blue band over a light page, like a scanned form's header.
fn picture(format: image::ImageFormat) -> Option<Vec<u8>> {
    let img = image::RgbImage::from_fn(160, 100, |x, y| {
        if y < 24 {
            image::Rgb([30, 80, 160])
        } else if (40..44).contains(&y) || ((60..64).contains(&y) && x < 110) {
            image::Rgb([120, 120, 120])
        } else {
            image::Rgb([245, 245, 240])
        }
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).ok()?;
    Some(out.into_inner())
}

/// Attaches the generated documents of a service request as its requester would.
pub async fn attach_listed(
    service: &Service,
    filer: &crate::service::Actor,
    key: &str,
    fields: &CustomFields,
    title: &str,
) -> std::result::Result<(), ServiceError> {
    let names = listed(fields);
    if names.is_empty() {
        return Ok(());
    }
    let files = uploads(service, &names, title).await?;
    if files.is_empty() {
        return Ok(());
    }
    service
        .attach(
            filer,
            key,
            files,
            None,
            crate::domain::model::Visibility::Public,
            None,
        )
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_files_are_what_their_names_say() {
        let pdf = content("kebele_id.pdf", "A (title) with \\ marks").expect("pdf");
        assert!(pdf.starts_with(b"%PDF-1.4"));
        assert!(pdf.ends_with(b"%%EOF\n"));
        let text = String::from_utf8_lossy(&pdf);
        // The cross-reference table points at each object's first byte.
        let xref_at: usize = text
            .rsplit("startxref\n")
            .next()
            .and_then(|t| t.lines().next())
            .and_then(|n| n.parse().ok())
            .expect("startxref");
        assert!(text[xref_at..].starts_with("xref"));
        let first = text[xref_at..].lines().nth(3).expect("object 1 entry");
        let at: usize = first[..10].parse().expect("offset");
        assert!(text[at..].starts_with("1 0 obj"));
        assert!(text.contains("A \\(title\\) with \\\\ marks"));

        let jpg = content("title_deed.jpg", "t").expect("jpeg");
        assert_eq!(infer::get(&jpg).map(|t| t.mime_type()), Some("image/jpeg"));
        let png = content("plan.PNG", "t").expect("png");
        assert_eq!(infer::get(&png).map(|t| t.mime_type()), Some("image/png"));
        assert!(content("notes.docx", "t").is_none());
    }
}
