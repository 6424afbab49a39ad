//! Attachments in the TUI, driven headless against the real demo desk: a file attached
//! to a reply from the composer's path prompt (with Tab completion), listed under its
//! comment, saved from the attachment list into the download directory, and an image
//! previewed in the list (half blocks here, as in a terminal without graphics).

use std::io::Cursor;
use std::sync::Arc;

use desk::client::{Desk, LocalDesk};
use desk::config::Loaded;
use desk::domain::model::Visibility;
use desk::domain::time;
use desk::tui::Settings;
use desk::tui::drafts::Drafts;
use desk::tui::files::Files;
use desk::tui::headless::Headless;
use desk::tui::overlays::attachments::AttachmentList;
use desk::tui::overlays::composer::Composer;

struct Setup {
    desk: Arc<LocalDesk>,
    _demo: desk::cli::tempfile_dir::Guard,
    /// Files the user attaches from.
    home: tempfile::TempDir,
    /// The download directory.
    downloads: tempfile::TempDir,
}

async fn setup() -> Setup {
    let (desk, demo) = desk::cli::open_demo(&Loaded::default())
        .await
        .expect("demo desk");
    Setup {
        desk: Arc::new(desk),
        _demo: demo,
        home: tempfile::tempdir().expect("temp dir"),
        downloads: tempfile::tempdir().expect("temp dir"),
    }
}

async fn start(s: &Setup) -> Headless {
    let settings = Settings {
        files: Files {
            download_dir: s.downloads.path().to_path_buf(),
            can_open: false,
        },
        ..Settings::default()
    };
    let desk: Arc<dyn Desk> = s.desk.clone();
    let mut h = Headless::start(desk, settings, Drafts::in_memory(), (160, 48), time::now()).await;
    h.press("/").await;
    for _ in 0..200 {
        h.press("backspace").await;
    }
    h.type_text("key:TKT-7").await;
    h.press("enter").await;
    h
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, _| {
        if x % 2 == 0 {
            image::Rgb([200, 30, 30])
        } else {
            image::Rgb([30, 30, 200])
        }
    });
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
        .expect("png");
    out
}

#[tokio::test]
async fn a_reply_carries_a_file_picked_with_tab_completion_and_the_list_saves_it() {
    let s = setup().await;
    let log = b"2026-12-03 09:14 login failed for jane\n".repeat(20);
    std::fs::write(s.home.path().join("login-errors.log"), &log).expect("write");
    let mut h = start(&s).await;

    h.press("c").await;
    h.type_text("Here is the log from the gateway").await;
    h.press("ctrl-o").await;
    assert!(h.screen().contains("Attach:"), "{}", h.screen());
    // The directory typed, the name completed by Tab.
    h.type_text(&format!("{}/log", s.home.path().display()))
        .await;
    h.press("tab").await;
    let screen = h.screen();
    assert!(screen.contains("login-errors.log"), "{screen}");
    h.press("enter").await;
    let composer = h
        .app
        .overlay_as::<Composer>()
        .expect("the composer stays open");
    assert_eq!(composer.files.len(), 1);
    assert!(h.screen().contains("login-errors.log ─"), "{}", h.screen());

    h.press("ctrl-s").await;
    assert!(h.app.overlay().is_none(), "sent, the composer closes");
    let view = s.desk.get_ticket("TKT-7").await.expect("ticket");
    let last = view.comments.last().expect("the reply");
    assert_eq!(last.body, "Here is the log from the gateway");
    assert_eq!(last.visibility, Visibility::Public);
    assert_eq!(last.attachments.len(), 1, "one comment with its file");
    assert_eq!(last.attachments[0].name, "login-errors.log");
    let screen = h.screen();
    assert!(screen.contains("1 file(s) sent on TKT-7"), "{screen}");
    // Under its comment in the detail, with its size and type.
    assert!(
        screen.contains("login-errors.log  780 B  text/plain"),
        "{screen}"
    );

    h.press("o").await;
    let list = h
        .app
        .overlay_as::<AttachmentList>()
        .expect("the attachment list");
    assert_eq!(
        list.selected().map(|a| a.name.as_str()),
        Some("login-errors.log")
    );
    assert!(
        h.screen().contains("no preview for this type"),
        "{}",
        h.screen()
    );
    h.press("enter").await;
    let saved = s.downloads.path().join("login-errors.log");
    assert_eq!(std::fs::read(&saved).expect("saved file"), log);
    assert!(h.screen().contains("saved "), "{}", h.screen());
    // Saving again keeps the first copy and numbers the second.
    h.press("enter").await;
    assert_eq!(
        std::fs::read(s.downloads.path().join("login-errors (2).log")).expect("second copy"),
        log
    );
    // A desk on this machine has no links to copy; it says what to do instead.
    h.press("ctrl-y").await;
    assert!(h.copied.is_empty());
    assert!(h.screen().contains("has no links"), "{}", h.screen());
    h.press("esc").await;
    assert!(h.app.overlay().is_none());
}

#[tokio::test]
async fn an_image_is_previewed_and_a_bomb_or_a_bad_path_gets_a_line_of_text() {
    let s = setup().await;
    std::fs::write(s.home.path().join("router.png"), png(64, 32)).expect("write");
    // Small on disk, 9,000 pixels across once decoded: over the preview's limit.
    let wide = image::GrayImage::new(9000, 2);
    let mut bomb = Vec::new();
    wide.write_to(&mut Cursor::new(&mut bomb), image::ImageFormat::Png)
        .expect("png");
    std::fs::write(s.home.path().join("wide.png"), bomb).expect("write");
    let mut h = start(&s).await;

    h.press("c").await;
    h.press("ctrl-o").await;
    h.type_text("/no/such/file.png").await;
    h.press("enter").await;
    let screen = h.screen();
    assert!(screen.contains("cannot read /no/such/file.png"), "{screen}");
    // Still in the prompt: the path can be corrected.
    for _ in 0..40 {
        h.press("backspace").await;
    }
    h.type_text(&format!("{}/router.png", s.home.path().display()))
        .await;
    h.press("enter").await;
    h.press("ctrl-o").await;
    h.type_text(&format!("{}/wide.png", s.home.path().display()))
        .await;
    h.press("enter").await;
    h.press("ctrl-t").await;
    h.press("ctrl-s").await;
    // Files with no text go on the ticket itself, internal as the composer was.
    let view = s.desk.get_ticket("TKT-7").await.expect("ticket");
    let names: Vec<&str> = view.attachments.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["router.png", "wide.png"]);
    assert!(
        view.attachments
            .iter()
            .all(|a| a.visibility == Visibility::Internal && a.media_type == "image/png")
    );
    let screen = h.screen();
    assert!(screen.contains("2 file(s) sent on TKT-7"), "{screen}");
    assert!(screen.contains("Files"), "{screen}");

    h.press("o").await;
    let before = h.screen();
    let list = h
        .app
        .overlay_as::<AttachmentList>()
        .expect("the attachment list");
    assert_eq!(list.selected().map(|a| a.name.as_str()), Some("router.png"));
    assert!(before.contains("[internal]"), "{before}");
    // Half blocks: the picture drawn with ▀ in the image's colours.
    let buffer = h.buffer();
    let drawn = buffer
        .content()
        .iter()
        .filter(|c| c.symbol() == "▀" || c.symbol() == "▄")
        .count();
    assert!(drawn > 20, "no preview drawn:\n{before}");
    h.press("down").await;
    let screen = h.screen();
    assert!(
        screen.contains("no preview: too large to preview"),
        "{screen}"
    );
}
