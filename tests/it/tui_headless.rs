//! The TUI driven headless, as a user drives it: keys in, the real worker calling a real
//! `LocalDesk` over a real SQLite file holding the demo desk, the screen read back from
//! ratatui's test backend.

use std::sync::Arc;

use desk::client::{Desk, LocalDesk};
use desk::config::{Config, Loaded};
use desk::domain::model::Visibility;
use desk::domain::time;
use desk::tui::Msg;
use desk::tui::Settings;
use desk::tui::drafts::Drafts;
use desk::tui::headless::Headless;
use desk::tui::overlays::composer::Composer;
use desk::tui::overlays::confirm::Confirm;
use desk::tui::overlays::picker::Picker;
use desk::tui::overlays::prompt::Prompt;
use desk::tui::panes::Focus;

const WIDE: (u16, u16) = (160, 48);
const NARROW: (u16, u16) = (80, 24);

struct Demo {
    desk: Arc<LocalDesk>,
    _dir: desk::cli::tempfile_dir::Guard,
}

async fn demo() -> Demo {
    let (desk, dir) = desk::cli::open_demo(&Loaded::default())
        .await
        .expect("demo desk");
    Demo {
        desk: Arc::new(desk),
        _dir: dir,
    }
}

async fn start(demo: &Demo, size: (u16, u16)) -> Headless {
    start_with(demo, size, Settings::default(), Drafts::in_memory()).await
}

async fn start_with(demo: &Demo, size: (u16, u16), settings: Settings, drafts: Drafts) -> Headless {
    let desk: Arc<dyn Desk> = demo.desk.clone();
    Headless::start(desk, settings, drafts, size, time::now()).await
}

/// Narrows the list to one ticket with the filter bar, as a user would.
async fn filter(h: &mut Headless, query: &str) {
    h.press("/").await;
    // Clear what the bar holds (the current filter) first.
    for _ in 0..200 {
        h.press("backspace").await;
    }
    h.type_text(query).await;
    h.press("enter").await;
}

/// Mike, an agent on the same desk, adds `tag` to `key` while the test's user works.
async fn mike_tags(demo: &Demo, key: &str, tag: &str) {
    let service = demo.desk.service().clone();
    let mike = service
        .user_by_email("mike.chen@example.com")
        .await
        .expect("lookup")
        .expect("mike");
    LocalDesk::acting_as(service, mike)
        .edit_ticket(
            key,
            desk::domain::requests::TicketEdit {
                add_tags: vec![tag.into()],
                ..Default::default()
            },
            None,
        )
        .await
        .expect("mike tags");
}

fn selected_key(h: &Headless) -> String {
    h.app
        .list
        .rows
        .selected_row()
        .expect("a selected row")
        .key
        .clone()
}

#[tokio::test]
async fn the_list_shows_the_desk_and_the_detail_follows_the_selection() {
    let demo = demo().await;
    let mut h = start(&demo, WIDE).await;
    let total = demo.desk.count_tickets("").await.expect("count");
    let screen = h.screen();
    assert!(screen.contains(&format!("{total} tickets")), "{screen}");
    let first = selected_key(&h);
    assert!(
        screen.contains(&format!("┌ {first} ")),
        "detail shows the selection:\n{screen}"
    );
    h.press("j").await;
    let second = selected_key(&h);
    assert_ne!(first, second);
    assert!(h.screen().contains(&format!("┌ {second} ")));
    h.press("G").await;
    assert_eq!(h.app.list.rows.selected + 1, total as usize);
    h.press("g").await;
    assert_eq!(selected_key(&h), first);
}

#[tokio::test]
async fn the_filter_bar_applies_a_query_and_points_at_a_mistake() {
    let demo = demo().await;
    let mut h = start(&demo, NARROW).await;
    h.press("/").await;
    h.type_text("prio:high").await;
    let screen = h.screen();
    assert!(
        screen.contains("column 1: unknown field `prio`"),
        "{screen}"
    );
    h.press("enter").await;
    // A query with a mistake is not applied; the bar stays open with the error.
    assert_eq!(h.app.list.query, "");
    h.press("esc").await;
    assert!(h.app.overlay().is_none());

    filter(&mut h, "status:new").await;
    let expected = demo.desk.count_tickets("status:new").await.expect("count");
    assert_eq!(h.app.list.rows.rows.len() as i64, expected);
    assert!(h.app.list.rows.rows.iter().all(|r| &*r.status == "new"));
    let screen = h.screen();
    assert!(screen.contains("filter: status:new"), "{screen}");
    assert!(screen.contains(&format!("{expected} tickets")), "{screen}");
    // Esc in the bar leaves the filter as it was.
    h.press("/").await;
    h.type_text(" priority:low").await;
    h.press("esc").await;
    assert_eq!(h.app.list.query, "status:new");
}

/// The status bar and the hint line (the detail may quote a ticket that says "offline").
fn status_lines(screen: &str) -> String {
    let lines: Vec<&str> = screen.lines().collect();
    lines[lines.len().saturating_sub(2)..].join("\n")
}

#[tokio::test]
async fn a_filter_the_desk_refuses_is_a_mistake_in_the_bar_not_an_outage() {
    let demo = demo().await;
    let mut h = start(&demo, WIDE).await;
    filter(&mut h, "status:new").await;
    let shown = h.app.list.rows.rows.len();
    assert!(shown > 0);
    // It parses, so only the desk can say the status does not exist.
    filter(&mut h, "status:bogus").await;
    let screen = h.screen();
    assert!(screen.contains("the desk refused this filter"), "{screen}");
    assert!(screen.contains("bogus"), "{screen}");
    // The local store's own marker says "offline (local)"; an outage says "retrying".
    assert!(!status_lines(&screen).contains("retrying"), "{screen}");
    assert_eq!(h.app.sync.failures, 0, "no backoff for a refusal");
    // The list is back on the filter that worked; Esc keeps it.
    h.press("esc").await;
    assert_eq!(h.app.list.query, "status:new");
    assert_eq!(h.app.list.rows.rows.len(), shown);
    let screen = h.screen();
    assert!(!status_lines(&screen).contains("retrying"), "{screen}");
    assert!(!screen.contains("back online"), "{screen}");
}

fn selected(h: &Headless) -> String {
    h.app
        .list
        .rows
        .selected_row()
        .map(|r| r.key.clone())
        .unwrap_or_default()
}

fn shown(h: &Headless) -> Option<String> {
    h.app.detail.view.as_ref().map(|v| v.ticket.key.clone())
}

#[tokio::test]
async fn search_the_loaded_list_as_you_type_then_n_and_shift_n() {
    let demo = demo().await;
    let mut h = start(&demo, WIDE).await;
    let titles: Vec<(String, String)> = h
        .app
        .list
        .rows
        .rows
        .iter()
        .map(|r| (r.key.clone(), r.title.to_lowercase()))
        .collect();
    let matching: Vec<&String> = titles
        .iter()
        .filter(|(_, t)| t.contains("mobile app"))
        .map(|(k, _)| k)
        .collect();
    assert!(matching.len() >= 2, "the demo has several: {matching:?}");
    // The search goes forward from the cursor, as in less and vim.
    h.press("g").await;
    let start_at = selected(&h);

    h.press("ctrl-f").await;
    h.type_text("MOBILE app").await;
    assert_eq!(&selected(&h), matching[0], "the first match as it is typed");
    let screen = h.screen();
    assert!(
        screen.contains(&format!("1 of {} matches", matching.len())),
        "{screen}"
    );
    h.press("enter").await;
    assert!(h.app.overlay().is_none());
    h.press("n").await;
    assert_eq!(&selected(&h), matching[1]);
    assert!(h.screen().contains("2 of"), "{}", h.screen());
    h.press("N").await;
    assert_eq!(&selected(&h), matching[0]);
    // Backwards from the first wraps to the last.
    h.press("N").await;
    assert_eq!(&selected(&h), *matching.last().expect("a last"));
    assert!(h.screen().contains("wrapped"), "{}", h.screen());
    // The detail follows the match.
    assert_eq!(shown(&h).as_ref(), matching.last().copied());
    // The filter is untouched.
    assert_eq!(h.app.list.query, "");

    // A search abandoned with Esc puts the selection back; one without a match says so.
    h.press("g").await;
    h.press("ctrl-f").await;
    for _ in 0..20 {
        h.press("backspace").await;
    }
    h.type_text("zzzz-nothing").await;
    assert!(h.screen().contains("no match"), "{}", h.screen());
    h.press("esc").await;
    assert_eq!(selected(&h), start_at);
}

/// The keys of every ticket `q` lists, in the desk's order.
async fn desk_order(demo: &Demo, q: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut cursor = None;
    loop {
        let page = demo
            .desk
            .list_tickets(q, Some(200), cursor.as_deref())
            .await
            .expect("list");
        keys.extend(page.tickets.into_iter().map(|t| t.key));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return keys,
        }
    }
}

fn list_keys(h: &Headless) -> Vec<String> {
    h.app.list.rows.rows.iter().map(|r| r.key.clone()).collect()
}

#[tokio::test]
async fn s_cycles_the_sort_column_o_flips_it_and_the_list_is_in_the_desks_order() {
    use desk::domain::query::{Sort, SortKey};
    let demo = demo().await;
    let mut h = start(&demo, WIDE).await;
    assert!(h.screen().contains("Upd▼"), "the default order is shown");
    // Every column in turn, each its natural way and then reversed; the demo desk is
    // loaded whole, so the rows are sorted where they are, in the store's order.
    let mut key = SortKey::Updated;
    for _ in 0..SortKey::ALL.len() {
        for flip in [false, true] {
            h.press(if flip { "O" } else { "S" }).await;
            let sort = if flip {
                key.natural().reversed()
            } else {
                key = key.next();
                key.natural()
            };
            assert_eq!(h.app.list.order(), sort);
            let q = h.app.list.query.clone();
            if sort == Sort::DEFAULT {
                assert_eq!(q, "", "the default order needs no term");
            } else {
                assert_eq!(q, format!("sort:{sort}"));
            }
            assert_eq!(list_keys(&h), desk_order(&demo, &q).await, "{q}");
            let screen = h.screen();
            assert!(
                screen.contains(&format!("sorted {}", sort.describe())),
                "{screen}"
            );
        }
    }
    // The sort goes with the filter, and the header says which column and which way.
    h.press("S").await; // back at priority, most urgent first
    filter(&mut h, "status:open,pending sort:-priority").await;
    assert!(h.screen().contains("Priorit▼"), "{}", h.screen());
    assert_eq!(
        list_keys(&h),
        desk_order(&demo, "status:open,pending sort:-priority").await
    );
    h.press("O").await;
    assert_eq!(h.app.list.query, "status:open,pending sort:priority");
    assert!(h.screen().contains("Priorit▲"), "{}", h.screen());

    // A desk bigger than one page: the first page comes again in the new order, and
    // the rest follow it page by page.
    for i in 0..250 {
        demo.desk
            .create_ticket(desk::domain::requests::NewTicket {
                title: format!("Bulk ticket {i:03}"),
                description: "filed to make the list longer than a page".into(),
                ..Default::default()
            })
            .await
            .expect("file");
    }
    filter(&mut h, "").await;
    assert!(h.app.list.rows.has_more());
    for _ in 0..5 {
        h.press("S").await; // title
    }
    assert_eq!(h.app.list.query, "sort:title");
    h.press("G").await;
    assert_eq!(list_keys(&h), desk_order(&demo, "sort:title").await);
}

#[tokio::test]
async fn jump_to_a_ticket_in_the_list_or_outside_the_filter_and_back() {
    let demo = demo().await;
    let mut h = start(&demo, WIDE).await;
    // In the list: selected and opened.
    h.press("#").await;
    h.type_text("7").await;
    h.press("enter").await;
    assert_eq!(selected(&h), "TKT-7");
    assert_eq!(shown(&h).as_deref(), Some("TKT-7"));
    h.press("esc").await;

    // Not in the filter: shown on its own, and Esc goes back to the filter.
    filter(&mut h, "status:new").await;
    let new_ones = h.app.list.rows.rows.len();
    let escalated = demo
        .desk
        .list_tickets("status:escalated", Some(1), None)
        .await
        .expect("list")
        .tickets[0]
        .key
        .clone();
    h.press(":").await;
    h.type_text(&escalated).await;
    h.press("enter").await;
    assert_eq!(shown(&h).as_deref(), Some(escalated.as_str()));
    assert_eq!(h.app.list.query, format!("key:{escalated}"));
    h.press("esc").await; // the detail
    h.press("esc").await; // the jump
    assert_eq!(h.app.list.query, "status:new");
    assert_eq!(h.app.list.rows.rows.len(), new_ones);

    // A key that does not exist is said so, and the filter stays.
    h.press("#").await;
    h.type_text("TKT-99999").await;
    h.press("enter").await;
    assert!(
        h.screen().contains("TKT-99999: no such ticket"),
        "{}",
        h.screen()
    );
    assert_eq!(h.app.list.query, "status:new");
    // Not a key at all: the prompt says so and stays.
    h.press("#").await;
    h.type_text("login").await;
    h.press("enter").await;
    assert!(h.app.overlay().is_some());
    assert!(h.screen().contains("not a ticket key"), "{}", h.screen());
}

#[tokio::test]
async fn facets_build_the_query_from_picks() {
    let demo = demo().await;
    let mut h = start(&demo, WIDE).await;
    h.press("f").await;
    h.type_text("prio").await;
    h.press("enter").await;
    h.type_text("crit").await;
    h.press("space").await;
    h.press("enter").await;
    assert_eq!(h.app.list.query, "priority:Critical");
    assert!(
        h.app
            .list
            .rows
            .rows
            .iter()
            .all(|r| &*r.priority == "Critical")
    );
    assert!(!h.app.list.rows.rows.is_empty());
}

#[tokio::test]
async fn a_supervisor_approves_with_a_note_and_rejects_with_a_required_one() {
    let demo = demo().await;
    // Tall enough that the detail shows the request's fields, its files and the
    // timeline below them.
    let mut h = start(&demo, (WIDE.0, 90)).await;

    filter(&mut h, "key:TKT-9").await;
    assert_eq!(selected_key(&h), "TKT-9");
    h.press("A").await;
    assert!(h.screen().contains("Approve TKT-9"));
    h.type_text("Site survey booked").await;
    h.press("enter").await;
    let view = demo.desk.get_ticket("TKT-9").await.expect("ticket");
    assert_eq!(view.ticket.status, "approved");
    let screen = h.screen();
    assert!(screen.contains("approved the request"), "{screen}");
    assert!(screen.contains("Site survey booked"), "{screen}");

    filter(&mut h, "key:TKT-11").await;
    h.press("R").await;
    h.press("ctrl-s").await;
    assert!(
        h.screen().contains("a rejection needs a note"),
        "{}",
        h.screen()
    );
    assert_eq!(
        demo.desk
            .get_ticket("TKT-11")
            .await
            .expect("ticket")
            .ticket
            .status,
        "under_review"
    );
    h.type_text("Relocations need the landlord's consent form")
        .await;
    h.press("ctrl-s").await;
    let view = demo.desk.get_ticket("TKT-11").await.expect("ticket");
    assert_eq!(view.ticket.status, "rejected");
    assert!(h.app.overlay().is_none(), "the composer closes once sent");
    // The note ends the timeline.
    h.press("tab").await;
    h.press("G").await;
    assert!(
        h.screen().contains("landlord's consent form"),
        "{}",
        h.screen()
    );
}

#[tokio::test]
async fn comments_go_public_or_internal_and_show_in_the_timeline() {
    let demo = demo().await;
    let mut h = start(&demo, WIDE).await;
    filter(&mut h, "key:TKT-7").await;
    h.press("c").await;
    assert!(h.screen().contains("public reply to the requester"));
    h.type_text("Checked the ledger").await;
    h.press("ctrl-t").await;
    assert!(h.screen().contains("INTERNAL NOTE"));
    h.press("ctrl-s").await;
    let view = demo.desk.get_ticket("TKT-7").await.expect("ticket");
    let last = view.comments.last().expect("a comment");
    assert_eq!(last.body, "Checked the ledger");
    assert_eq!(last.visibility, Visibility::Internal);
    let screen = h.screen();
    assert!(screen.contains("[internal note]"), "{screen}");
    assert!(screen.contains("internal note added to TKT-7"), "{screen}");
}

#[tokio::test]
async fn ctrl_e_hands_the_comment_to_the_editor_and_takes_back_what_it_saved() {
    let demo = demo().await;
    let mut h = start(&demo, NARROW).await;
    h.press("c").await;
    h.type_text("draft in the TUI").await;
    h.editor_saves
        .push_back("A longer reply\n\nwritten in vi\n".to_string());
    h.press("ctrl-e").await;
    let screen = h.screen();
    assert!(screen.contains("A longer reply"), "{screen}");
    assert!(screen.contains("written in vi"), "{screen}");
    assert!(!screen.contains("draft in the TUI"), "{screen}");
}

#[tokio::test]
async fn esc_asks_before_text_is_lost_and_a_kept_draft_comes_back() {
    let demo = demo().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("drafts.json");
    let (drafts, _) = Drafts::open(path.clone());
    let mut h = start_with(&demo, NARROW, Settings::default(), drafts).await;
    h.press("c").await;
    let key = match h.app.overlay_as::<Composer>() {
        Some(c) => c.draft_id(),
        None => panic!("composer not open"),
    };
    h.type_text("Half a thought").await;
    h.press("esc").await;
    assert!(h.screen().contains("Discard this draft?"), "{}", h.screen());
    h.press("k").await;
    assert!(h.app.overlay().is_none());
    let saved = std::fs::read_to_string(&path).expect("drafts file");
    assert!(
        saved.contains("Half a thought") && saved.contains(&key),
        "{saved}"
    );
    // A restart finds it.
    let (drafts, _) = Drafts::open(path.clone());
    let mut h = start_with(&demo, NARROW, Settings::default(), drafts).await;
    h.press("c").await;
    assert!(h.screen().contains("Half a thought"));
    h.press("esc").await;
    h.press("y").await;
    assert!(
        !std::fs::read_to_string(&path)
            .expect("file")
            .contains("Half a thought")
    );
}

#[tokio::test]
async fn a_comment_that_cannot_be_sent_is_kept() {
    let demo = demo().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("drafts.json");
    let (drafts, _) = Drafts::open(path.clone());
    let mut h = start_with(&demo, WIDE, Settings::default(), drafts).await;
    h.press("c").await;
    h.type_text("Reply while the desk is down").await;
    // The desk refuses (as a server that went away would).
    let key = selected_key(&h);
    h.deliver(Msg::Commented {
        key,
        result: Err(desk::client::DeskError::Unavailable(
            "cannot reach http://127.0.0.1:9: connection refused".into(),
        )),
    })
    .await;
    let screen = h.screen();
    assert!(screen.contains("comment not sent"), "{screen}");
    assert!(
        screen.contains("Reply while the desk is down"),
        "still in the composer"
    );
    assert!(
        std::fs::read_to_string(&path)
            .expect("drafts")
            .contains("Reply while the desk is down")
    );
}

#[tokio::test]
async fn marked_tickets_are_assigned_together() {
    let demo = demo().await;
    let mut h = start(&demo, WIDE).await;
    filter(
        &mut h,
        "status:new category:\"Billing & Payments\",\"Travel support\"",
    )
    .await;
    assert!(h.app.list.rows.rows.len() >= 2);
    h.press("space").await;
    h.press("space").await;
    let marked: Vec<String> = h.app.list.rows.targets();
    assert_eq!(marked.len(), 2);
    assert!(h.screen().contains("2 marked"));
    // Several at once: the question names them, and no changes nothing.
    h.press("a").await;
    let question = h
        .app
        .overlay_as::<Confirm>()
        .expect("asked first")
        .question
        .clone();
    for key in &marked {
        assert!(question.contains(key.as_str()), "{question}");
    }
    assert!(h.screen().contains("Are you sure?"));
    h.press("n").await;
    assert!(h.app.overlay().is_none());
    let t = demo
        .desk
        .get_ticket(&marked[0])
        .await
        .expect("ticket")
        .ticket;
    assert!(t.assignee.is_none(), "nothing changed on no");
    h.press("a").await;
    h.press("y").await;
    for key in &marked {
        let t = demo.desk.get_ticket(key).await.expect("ticket").ticket;
        assert_eq!(
            t.assignee.map(|a| a.email).as_deref(),
            Some(desk::demo::DEMO_SUPERVISOR),
            "{key}"
        );
        assert_eq!(t.status, "assigned");
    }
    assert!(h.app.list.rows.marked.is_empty());
}

#[tokio::test]
async fn the_status_picker_offers_only_what_the_workflow_allows() {
    let demo = demo().await;
    let mut h = start(&demo, WIDE).await;
    filter(&mut h, "key:TKT-1").await;
    h.press("s").await;
    let allowed = demo
        .desk
        .allowed_transitions("TKT-1")
        .await
        .expect("allowed");
    let Some(p) = h.app.overlay_as::<Picker>() else {
        panic!("no picker:\n{}", h.screen());
    };
    let offered: Vec<&str> = p.items.iter().map(|i| i.value.as_str()).collect();
    assert_eq!(
        offered,
        allowed.iter().map(String::as_str).collect::<Vec<_>>()
    );
    h.type_text("waiting").await;
    h.press("enter").await;
    let t = demo.desk.get_ticket("TKT-1").await.expect("ticket").ticket;
    assert_eq!(t.status, "waiting_on_customer");
}

#[tokio::test]
async fn a_refresh_brings_in_another_users_change_and_marks_it() {
    let demo = demo().await;
    let mut h = start(&demo, WIDE).await;
    let before = h.app.list.rows.rows.len();
    // Mike, an agent, works on the same desk at the same time.
    let service = demo.desk.service().clone();
    let mike = service
        .user_by_email("mike.chen@example.com")
        .await
        .expect("lookup")
        .expect("mike");
    let other = LocalDesk::acting_as(service, mike);
    let filed = other
        .create_ticket(desk::domain::requests::NewTicket {
            title: "Printer on floor 3 jams".into(),
            ..Default::default()
        })
        .await
        .expect("filed");
    other
        .comment("TKT-22", "Called the depot", Visibility::Public, None)
        .await
        .expect("comment");
    h.press("r").await;
    assert_eq!(h.app.list.rows.rows.len(), before + 1);
    let screen = h.screen();
    assert!(screen.contains("Printer on floor 3 jams"), "{screen}");
    assert!(h.app.list.rows.changed.contains(&filed.key));
    assert!(h.app.list.rows.changed.contains("TKT-22"));
    // Both moved to the top, newest update first; the selection stayed put.
    assert_eq!(h.app.list.rows.rows[0].key, "TKT-22");
    assert_eq!(h.app.list.rows.rows[1].key, filed.key);
    let marker_line = screen.lines().find(|l| l.contains("TKT-22")).expect("row");
    assert!(marker_line.contains('•'), "{marker_line}");
}

#[tokio::test]
async fn a_narrow_terminal_stacks_the_panes() {
    let demo = demo().await;
    let mut h = start(&demo, NARROW).await;
    let key = selected_key(&h);
    assert!(!h.screen().contains(&format!("┌ {key} ")));
    h.press("enter").await;
    let screen = h.screen();
    assert!(screen.contains(&format!("┌ {key} ")), "{screen}");
    assert!(screen.contains("Timeline"));
    h.press("esc").await;
    assert!(h.screen().contains("┌ Tickets"));
}

#[tokio::test]
async fn y_copies_the_key_and_help_lists_every_binding() {
    let demo = demo().await;
    let mut h = start(&demo, WIDE).await;
    h.press("y").await;
    assert_eq!(h.copied, vec![selected_key(&h)]);
    h.press("?").await;
    let screen = h.screen();
    for line in ["approve the request", "reject with a note"] {
        assert!(screen.contains(line), "help lacks {line}:\n{screen}");
    }
    h.press("G").await;
    let screen = h.screen();
    for line in ["ctrl-s", "Composer", "Prompts"] {
        assert!(screen.contains(line), "help lacks {line}:\n{screen}");
    }
    // q goes back a level, as in the detail: out of the help, then out of desk.
    h.press("q").await;
    assert!(h.app.overlay().is_none(), "q closes the help");
    assert!(!h.app.quit);
    h.press("q").await;
    assert!(h.app.quit, "q quits from the list");
}

#[tokio::test]
async fn saved_views_and_rebound_keys_come_from_the_config() {
    let demo = demo().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("config.toml");
    std::fs::write(
        &path,
        "[[views]]\nname = \"Urgent\"\nquery = \"priority:critical\"\n\n[keys.tickets]\n\"x\" = \"approve\"\n\"A\" = \"none\"\n",
    )
    .expect("config");
    let loaded = Config::load(Some(&path)).expect("config loads");
    let settings = desk::tui::settings(&loaded).expect("keys are fine");
    let mut h = start_with(&demo, WIDE, settings, Drafts::in_memory()).await;
    h.press("1").await;
    assert_eq!(h.app.list.query, "priority:critical");
    assert!(h.screen().contains(" 1 Urgent "));
    h.press("A").await;
    assert!(h.app.overlay().is_none(), "A is unbound");
    h.press("x").await;
    assert!(h.screen().contains("Approve "), "{}", h.screen());
}

#[test]
fn a_bad_key_binding_is_reported_with_its_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("config.toml");
    std::fs::write(
        &path,
        "[ui]\nrefresh_interval = 10\n\n[keys.list]\n\"x\" = \"aprove\"\n",
    )
    .expect("config");
    let loaded = Config::load(Some(&path)).expect("config loads");
    let err = desk::tui::settings(&loaded).err().expect("refused");
    let text = err.to_string();
    assert!(text.contains("config.toml:5:"), "{text}");
    assert!(text.contains("unknown action `aprove`"), "{text}");

    std::fs::write(
        &path,
        "[keys.list]\n\"ctrl-d\" = \"top\"\n\"Ctrl-D\" = \"bottom\"\n",
    )
    .expect("config");
    let loaded = Config::load(Some(&path)).expect("config loads");
    let text = desk::tui::settings(&loaded)
        .err()
        .expect("clash")
        .to_string();
    assert!(text.contains("are the same key"), "{text}");
    assert!(text.contains("config.toml:"), "{text}");
}

#[tokio::test]
async fn a_customer_sees_their_own_tickets_and_writes_public_replies_only() {
    let demo = demo().await;
    let service = demo.desk.service().clone();
    let jane = service
        .user_by_email("jane.smith@example.com")
        .await
        .expect("lookup")
        .expect("jane");
    assert_eq!(jane.role, desk::domain::model::Role::Customer);
    let as_jane = Demo {
        desk: Arc::new(LocalDesk::acting_as(service, jane)),
        _dir: demo._dir,
    };
    let mut h = start(&as_jane, WIDE).await;
    assert!(!h.app.list.rows.rows.is_empty());
    for row in &h.app.list.rows.rows {
        let t = as_jane.desk.get_ticket(&row.key).await.expect("own ticket");
        assert_eq!(t.ticket.requester.email, "jane.smith@example.com");
    }
    let screen = h.screen();
    assert!(
        !screen.contains("[internal"),
        "no internal notes for customers:\n{screen}"
    );
    h.press("A").await;
    assert!(
        h.screen()
            .contains("only supervisors and admins may approve")
    );
    h.press("c").await;
    h.press("ctrl-t").await;
    let screen = h.screen();
    assert!(screen.contains("customers write public replies only"));
    assert!(
        screen.contains("your reply to the support team"),
        "{screen}"
    );
    assert!(!screen.contains("reply to the requester"), "{screen}");
    assert!(
        !screen.contains("ctrl-t"),
        "no visibility to toggle:\n{screen}"
    );
}

#[tokio::test]
async fn drafts_that_cannot_be_saved_say_so_and_stay_in_memory() {
    let demo = demo().await;
    let dir = tempfile::tempdir().expect("temp dir");
    // The drafts file's directory is a file: every write fails.
    let blocker = dir.path().join("not-a-dir");
    std::fs::write(&blocker, "").expect("file");
    let (drafts, _) = Drafts::open(blocker.join("drafts.json"));
    let mut h = start_with(&demo, NARROW, Settings::default(), drafts).await;
    h.press("c").await;
    h.type_text("Keep me").await;
    h.press("esc").await;
    h.press("k").await;
    let screen = h.screen();
    assert!(screen.contains("cannot save drafts"), "{screen}");
    assert_eq!(h.app.drafts.len(), 1, "the draft is still held");
    h.press("c").await;
    assert!(
        h.screen().contains("Keep me"),
        "and comes back in the composer"
    );
}

#[tokio::test]
async fn a_colleagues_tag_stops_the_save_says_what_changed_and_enter_applies_yours_on_top() {
    let demo = demo().await;
    let mut h = start(&demo, WIDE).await;
    filter(&mut h, "key:TKT-1").await;
    let before = demo.desk.get_ticket("TKT-1").await.expect("ticket").ticket;
    h.press("t").await;
    // Mike tags the same ticket while the dialog is open.
    mike_tags(&demo, "TKT-1", "escalated").await;
    h.type_text(" callback").await;
    h.press("enter").await;
    // Refused, and the dialog is still open with what was typed and what changed.
    let prompt = h
        .app
        .overlay_as::<Prompt>()
        .expect("the tag dialog stays open");
    assert_eq!(prompt.title, "Tags of TKT-1");
    let screen = h.screen();
    assert!(screen.contains("Mike Chen added tag escalated"), "{screen}");
    assert!(screen.contains("callback"), "{screen}");
    assert!(screen.contains("enter tries again"), "{screen}");
    let untouched = demo.desk.get_ticket("TKT-1").await.expect("ticket").ticket;
    assert!(!untouched.tags.contains(&"callback".to_string()));
    // Enter again: applied on top of Mike's change, which survives.
    h.press("enter").await;
    assert!(h.app.overlay().is_none(), "{}", h.screen());
    let after = demo.desk.get_ticket("TKT-1").await.expect("ticket").ticket;
    for tag in before
        .tags
        .iter()
        .map(String::as_str)
        .chain(["escalated", "callback"])
    {
        assert!(
            after.tags.iter().any(|t| t == tag),
            "{tag} lost: {:?}",
            after.tags
        );
    }
    assert!(h.screen().contains("tags saved"), "{}", h.screen());
}

#[tokio::test]
async fn a_refused_tag_keeps_the_dialog_open_with_the_text_and_the_reason() {
    let demo = demo().await;
    let mut h = start(&demo, WIDE).await;
    filter(&mut h, "key:TKT-1").await;
    h.press("t").await;
    h.type_text(" on,fire").await;
    h.press("enter").await;
    let screen = h.screen();
    let prompt = h
        .app
        .overlay_as::<Prompt>()
        .expect("the tag dialog stays open");
    assert!(prompt.text().ends_with("on,fire"), "{}", prompt.text());
    assert!(screen.contains("commas"), "{screen}");
    // Fixing the text and confirming saves it.
    for _ in 0.."on,fire".len() {
        h.press("backspace").await;
    }
    h.type_text("onfire").await;
    h.press("enter").await;
    assert!(h.app.overlay().is_none(), "{}", h.screen());
    let t = demo.desk.get_ticket("TKT-1").await.expect("ticket").ticket;
    assert!(t.tags.contains(&"onfire".to_string()), "{:?}", t.tags);
}

#[tokio::test]
async fn ctrl_u_clears_a_text_field_to_the_start_of_the_line() {
    let demo = demo().await;
    let mut h = start(&demo, WIDE).await;
    h.press("/").await;
    h.type_text("status:new").await;
    h.press("ctrl-u").await;
    h.type_text("priority:high").await;
    h.press("enter").await;
    assert_eq!(h.app.list.query, "priority:high");
}

#[tokio::test]
async fn marks_on_tickets_a_new_filter_hides_are_dropped_and_say_so() {
    let demo = demo().await;
    let mut h = start(&demo, WIDE).await;
    filter(&mut h, "status:new").await;
    assert!(h.app.list.rows.rows.len() >= 2);
    h.press("space").await;
    h.press("space").await;
    let marked = h.app.list.rows.targets();
    assert!(h.screen().contains("esc clear marks"), "{}", h.screen());
    // A filter that shows one ticket, none of the marked ones.
    filter(&mut h, "key:TKT-1").await;
    assert!(!marked.contains(&"TKT-1".to_string()), "{marked:?}");
    assert!(h.app.list.rows.marked.is_empty());
    let screen = h.screen();
    assert!(screen.contains("not in this view"), "{screen}");
    assert!(
        screen
            .lines()
            .next()
            .is_some_and(|l| l.trim_end().ends_with(" 1 ticket")),
        "{screen}"
    );
    assert!(!screen.contains(" marked"), "{screen}");
    // The next action is for what the cursor is on, nothing hidden.
    h.press("p").await;
    let picker = h.app.overlay_as::<Picker>().expect("priority picker");
    assert_eq!(picker.title, "Priority of TKT-1");
}

#[tokio::test]
async fn only_the_keys_the_discard_question_names_act_on_it() {
    let demo = demo().await;
    let mut h = start(&demo, NARROW).await;
    h.press("c").await;
    h.type_text("Half a thought").await;
    h.press("esc").await;
    let screen = h.screen();
    assert!(
        screen.contains("y discard · k keep it for later"),
        "{screen}"
    );
    // `d` is not named: it answers "keep writing" and the text stays.
    h.press("d").await;
    let c = h.app.overlay_as::<Composer>().expect("still writing");
    assert_eq!(c.body(), "Half a thought");
    h.press("esc").await;
    h.press("y").await;
    assert!(h.app.overlay().is_none());
}

#[tokio::test]
async fn the_message_log_keeps_what_the_status_line_cut_and_busy_words_go_when_done() {
    let demo = demo().await;
    let mut h = start(&demo, NARROW).await;
    // A long message: at 80 columns the status line cannot hold it.
    filter(&mut h, "key:TKT-1").await;
    h.press("t").await;
    let long = "a".repeat(60);
    h.type_text(&format!(" {long}")).await;
    h.press("enter").await;
    h.press("esc").await;
    let refusal = h
        .app
        .status
        .log
        .back()
        .map(|l| l.notice.text.clone())
        .expect("logged");
    assert!(refusal.contains("longer than 50"), "{refusal}");
    assert!(!h.screen().contains(&refusal), "cut on the status line");
    h.press("m").await;
    let shown = h.screen().split_whitespace().collect::<Vec<_>>().join(" ");
    for word in refusal.split_whitespace().take(12) {
        assert!(shown.contains(word), "{word} missing:\n{}", h.screen());
    }
    h.press("esc").await;
    assert!(h.app.overlay().is_none());
    // "refreshing…" says what is going on, and goes when it is over.
    h.press("r").await;
    assert!(!h.screen().contains("refreshing"), "{}", h.screen());
}

#[tokio::test]
async fn the_palette_offers_only_the_saved_views_the_config_has() {
    let demo = demo().await;
    let mut h = start(&demo, WIDE).await;
    h.press(":").await;
    let p = h.app.overlay_as::<Picker>().expect("palette");
    let values: Vec<&str> = p.items.iter().map(|i| i.value.as_str()).collect();
    assert!(!values.iter().any(|v| v.starts_with("view_")), "{values:?}");
    assert!(values.contains(&"messages"), "{values:?}");
}

#[tokio::test]
async fn a_filed_ticket_is_listed_counted_and_selected_at_once() {
    let demo = demo().await;
    let mut h = start(&demo, WIDE).await;
    let before = h.app.list.rows.total.expect("counted");
    h.press("+").await;
    h.type_text("Badge reader at the side door is dead").await;
    h.press("ctrl-s").await;
    let filed = demo
        .desk
        .list_tickets("badge reader", None, None)
        .await
        .expect("search")
        .tickets
        .remove(0);
    assert_eq!(selected_key(&h), filed.key, "the new ticket is selected");
    assert_eq!(h.app.list.rows.total, Some(before + 1));
    let screen = h.screen();
    assert!(
        screen.contains(&format!("{} tickets", before + 1)),
        "{screen}"
    );
    h.press("y").await;
    assert_eq!(h.copied.last(), Some(&filed.key), "y copies the new key");
}

#[tokio::test]
async fn a_long_message_takes_the_hint_line_for_a_few_seconds() {
    let demo = demo().await;
    let mut h = start(&demo, NARROW).await;
    filter(&mut h, "key:TKT-1").await;
    h.press("t").await;
    h.type_text(&format!(" {}", "a".repeat(60))).await;
    h.press("enter").await;
    h.press("esc").await;
    let refusal = h
        .app
        .status
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .expect("a notice");
    let bottom = |h: &Headless| {
        let screen = h.screen();
        let lines: Vec<&str> = screen.lines().collect();
        lines[lines.len() - 2..].join("")
    };
    let words: Vec<&str> = refusal.split_whitespace().collect();
    let shown = bottom(&h);
    assert!(
        shown.contains(words[words.len() - 1]),
        "the end of the message is on the second line:\n{shown}"
    );
    assert!(!shown.contains("help"), "{shown}");
    let later = h.app.ctx.now + 10_000;
    h.tick(later).await;
    let shown = bottom(&h);
    assert!(shown.contains("help"), "the hints come back:\n{shown}");
}

#[tokio::test]
async fn q_in_the_detail_goes_back_a_level_and_capital_q_quits() {
    let demo = demo().await;
    let mut h = start(&demo, NARROW).await;
    h.press("enter").await;
    assert!(h.app.detail_open);
    h.press("q").await;
    assert!(!h.app.detail_open, "back to the list");
    assert!(!h.app.quit);
    h.press("enter").await;
    h.press("Q").await;
    assert!(h.app.quit, "Q quits from the detail");
}

#[tokio::test]
async fn a_long_timeline_line_wraps_in_a_narrow_detail() {
    let demo = demo().await;
    let tag = "intermittent-outage-reported-on-the-third-floor";
    let edit = desk::domain::requests::TicketEdit {
        add_tags: vec![tag.to_string()],
        ..Default::default()
    };
    demo.desk
        .edit_ticket("TKT-1", edit, None)
        .await
        .expect("tagged");
    let mut h = start(&demo, NARROW).await;
    filter(&mut h, "key:TKT-1").await;
    h.press("enter").await;
    h.press("G").await;
    let screen = h.screen();
    let lines: Vec<&str> = screen.lines().collect();
    let line = lines
        .iter()
        .rposition(|l| l.contains("tagged it"))
        .expect("the tag event");
    let both = format!("{}{}", lines[line], lines[line + 1]);
    assert!(
        both.contains(tag),
        "the tag is whole over two lines:\n{screen}"
    );
}

#[tokio::test]
async fn taking_a_ticket_someone_else_works_on_asks_first() {
    let demo = demo().await;
    let mut h = start(&demo, WIDE).await;
    filter(&mut h, "assignee:mike.chen@example.com").await;
    let key = selected_key(&h);
    h.press("a").await;
    let question = h
        .app
        .overlay_as::<Confirm>()
        .expect("asked first")
        .question
        .clone();
    assert!(question.contains(&key), "{question}");
    assert!(
        question.contains("Mike Chen"),
        "says whose it is: {question}"
    );
    h.press("esc").await;
    let t = demo.desk.get_ticket(&key).await.expect("ticket").ticket;
    assert_eq!(
        t.assignee.map(|a| a.email).as_deref(),
        Some("mike.chen@example.com")
    );
    h.press("a").await;
    h.press("y").await;
    let t = demo.desk.get_ticket(&key).await.expect("ticket").ticket;
    assert_eq!(
        t.assignee.map(|a| a.email).as_deref(),
        Some(desk::demo::DEMO_SUPERVISOR)
    );
}

#[tokio::test]
async fn u_undoes_the_last_change_while_it_is_still_the_latest() {
    let demo = demo().await;
    let mut h = start(&demo, WIDE).await;
    filter(&mut h, "status:new assignee:none").await;
    let key = selected_key(&h);
    h.press("a").await;
    let assignee = |t: desk::domain::model::Ticket| t.assignee.map(|a| a.email);
    let t = demo.desk.get_ticket(&key).await.expect("ticket").ticket;
    assert_eq!(assignee(t).as_deref(), Some(desk::demo::DEMO_SUPERVISOR));
    h.press("u").await;
    let t = demo.desk.get_ticket(&key).await.expect("ticket").ticket;
    let log: Vec<String> = h
        .app
        .status
        .log
        .iter()
        .map(|l| l.notice.text.clone())
        .collect();
    assert_eq!(t.status, "new", "{log:?}");
    assert_eq!(assignee(t), None, "unassigned again: {}", h.screen());
    assert_eq!(selected_key(&h), key, "back in the list");

    // Changed by someone else since: nothing is undone, and the status line says why.
    h.press("a").await;
    let edit = desk::domain::requests::TicketEdit {
        add_tags: vec!["colleague".into()],
        ..Default::default()
    };
    demo.desk
        .edit_ticket(&key, edit, None)
        .await
        .expect("a colleague's change");
    h.press("r").await;
    h.press("u").await;
    let screen = h.screen();
    assert!(screen.contains("not undone"), "{screen}");
    let t = demo.desk.get_ticket(&key).await.expect("ticket").ticket;
    assert_eq!(assignee(t).as_deref(), Some(desk::demo::DEMO_SUPERVISOR));
}

#[tokio::test]
async fn a_status_change_can_carry_a_note_written_first() {
    let demo = demo().await;
    let mut h = start(&demo, WIDE).await;
    filter(&mut h, "key:TKT-1").await;
    h.press("s").await;
    assert!(h.screen().contains("with a note"), "{}", h.screen());
    h.type_text("waiting").await;
    h.press("tab").await;
    let prompt = h.app.overlay_as::<Prompt>().expect("the note first");
    assert!(prompt.title.contains("TKT-1"), "{}", prompt.title);
    h.type_text("Asked for the invoice number").await;
    h.press("enter").await;
    assert!(h.app.overlay().is_none(), "{}", h.screen());
    let view = demo.desk.get_ticket("TKT-1").await.expect("ticket");
    assert_eq!(view.ticket.status, "waiting_on_customer");
    let moved = view
        .events
        .iter()
        .rev()
        .find(|e| e.new.as_deref() == Some("waiting_on_customer"))
        .expect("the move");
    assert_eq!(moved.note.as_deref(), Some("Asked for the invoice number"));
}

#[tokio::test]
async fn an_open_dialog_follows_a_colleagues_change_to_its_ticket() {
    let demo = demo().await;
    let mut h = start(&demo, WIDE).await;
    filter(&mut h, "key:TKT-1").await;
    h.press("t").await;
    mike_tags(&demo, "TKT-1", "escalated").await;
    // The change arrives (the feed, as a refresh would bring it) with the dialog open.
    h.deliver(Msg::Nudge).await;
    let prompt = h.app.overlay_as::<Prompt>().expect("still open");
    assert!(prompt.text().contains("escalated"), "{}", prompt.text());
    let screen = h.screen();
    assert!(
        screen.contains("TKT-1 changed meanwhile: +escalated"),
        "{screen}"
    );
    h.type_text(" callback").await;
    h.press("enter").await;
    assert!(h.app.overlay().is_none(), "saved at once: {}", h.screen());
    let after = demo.desk.get_ticket("TKT-1").await.expect("ticket").ticket;
    assert!(
        after.tags.contains(&"escalated".to_string()),
        "{:?}",
        after.tags
    );
    assert!(
        after.tags.contains(&"callback".to_string()),
        "{:?}",
        after.tags
    );
}

#[tokio::test]
async fn pickers_open_on_the_value_in_force() {
    let demo = demo().await;
    let mut h = start(&demo, WIDE).await;
    filter(&mut h, "assignee:mike.chen@example.com").await;
    let key = selected_key(&h);
    let t = demo.desk.get_ticket(&key).await.expect("ticket").ticket;
    h.press("p").await;
    let picker = h.app.overlay_as::<Picker>().expect("priority picker");
    assert_eq!(picker.value_under_cursor(), Some(t.priority.as_str()));
    h.press("esc").await;
    h.press("@").await;
    let picker = h.app.overlay_as::<Picker>().expect("assignee picker");
    assert_eq!(picker.value_under_cursor(), Some("mike.chen@example.com"));
    assert!(h.screen().contains(" open"), "{}", h.screen());
}

#[tokio::test]
async fn staff_file_for_a_customer_with_tags_and_fields_picking_the_category_by_typing() {
    let demo = demo().await;
    let mut h = start(&demo, WIDE).await;
    h.press("+").await;
    h.type_text("Router in the lobby keeps rebooting").await;
    h.press("tab").await;
    h.type_text("jane.smith@example.com").await;
    h.press("tab").await;
    // Category: typing narrows the list instead of stepping through all of it.
    h.type_text("tech").await;
    assert!(h.screen().contains("Technical Support"), "{}", h.screen());
    h.press("tab").await;
    h.type_text("hig").await;
    h.press("tab").await;
    h.type_text("network lobby").await;
    h.press("tab").await;
    h.type_text("floor=1, asset=RT-7").await;
    h.press("tab").await;
    h.type_text("Reboots every ten minutes").await;
    h.press("ctrl-s").await;
    assert!(h.app.overlay().is_none(), "{}", h.screen());
    let key = selected_key(&h);
    let t = demo.desk.get_ticket(&key).await.expect("filed").ticket;
    assert_eq!(t.title, "Router in the lobby keeps rebooting");
    assert_eq!(t.requester.email, "jane.smith@example.com");
    assert_eq!(t.category, "Technical Support");
    assert_eq!(t.priority, "High");
    assert_eq!(t.tags, vec!["lobby".to_string(), "network".to_string()]);
    assert_eq!(
        t.custom_fields.get("asset"),
        Some(&serde_json::json!("RT-7"))
    );
    assert_eq!(t.description, "Reboots every ten minutes");
}

#[tokio::test]
async fn a_dialog_hears_only_the_answer_to_its_own_write() {
    let demo = demo().await;
    let mut h = start(&demo, WIDE).await;
    filter(&mut h, "key:TKT-1").await;
    h.press("t").await;
    h.type_text(" callback").await;
    // Enter sends the tags; the answer has not come back yet.
    let enter = desk::tui::keymap::Key::parse("enter").expect("enter");
    let _sent = h.app.on_key(enter);
    // Meanwhile the answer to an earlier write (another ticket, another change) arrives.
    let other = demo.desk.get_ticket("TKT-2").await.expect("ticket").ticket;
    h.deliver(Msg::Written {
        op: desk::tui::protocol::Op::Assign(None),
        results: vec![("TKT-2".into(), Ok(other))],
    })
    .await;
    let prompt = h
        .app
        .overlay_as::<Prompt>()
        .expect("the tag dialog still waits for its own answer");
    assert!(prompt.text().contains("callback"));
}

#[tokio::test]
async fn ones_own_comment_moves_its_row_to_the_top_at_once() {
    let demo = demo().await;
    let mut h = start(&demo, WIDE).await;
    h.press("G").await;
    let last = selected_key(&h);
    assert_ne!(h.app.list.rows.rows[0].key, last);
    h.press("c").await;
    h.type_text("Looking into it").await;
    h.press("ctrl-s").await;
    let top = &h.app.list.rows.rows[0];
    assert_eq!(top.key, last, "newest update first");
    assert!(h.app.ctx.now - top.updated_at < 60_000, "Upd is now");
    assert_eq!(selected_key(&h), last, "the selection stays on it");
}

#[tokio::test]
async fn a_key_pressed_before_the_tickets_show_says_so() {
    let demo = demo().await;
    let mut h = start(&demo, WIDE).await;
    filter(&mut h, "key:TKT-99999").await;
    h.press("c").await;
    assert!(h.app.overlay().is_none());
    let said = |h: &Headless| h.app.status.notice.as_ref().map(|n| n.text.clone());
    assert_eq!(said(&h).as_deref(), Some("no ticket to act on here"));
    // A new filter whose first page has not come back yet.
    let key = |s: &str| desk::tui::keymap::Key::parse(s).expect("key");
    let _ = h.app.on_key(key("0"));
    let _ = h.app.on_key(key("c"));
    assert!(h.app.overlay().is_none());
    assert!(
        said(&h).is_some_and(|t| t.contains("still loading")),
        "{:?}",
        said(&h)
    );
}

#[tokio::test]
async fn the_mouse_selects_opens_scrolls_and_picks_a_tab() {
    use desk::tui::mouse::{Mouse, MouseKind};
    let demo = demo().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("config.toml");
    std::fs::write(
        &path,
        "[[views]]\nname = \"Urgent\"\nquery = \"priority:critical,high\"\n",
    )
    .expect("config");
    let loaded = Config::load(Some(&path)).expect("config loads");
    let settings = desk::tui::settings(&loaded).expect("settings");
    let mut h = start_with(&demo, WIDE, settings, Drafts::in_memory()).await;
    let at = |kind, column, row, at| Mouse {
        kind,
        column,
        row,
        at,
    };
    let list = h.app.ctx.layout.list.expect("a list");
    let first_row = list.y + 2;

    // One click selects the row under the pointer; the detail follows.
    h.mouse(at(MouseKind::Click, list.x + 5, first_row + 2, 1_000))
        .await;
    assert_eq!(h.app.list.rows.selected, 2);
    let third = h.app.list.rows.rows[2].key.clone();
    assert_eq!(shown(&h).as_deref(), Some(third.as_str()));
    assert_eq!(h.app.focus, Focus::List);
    // A second click on it soon after opens it; one long after would not.
    h.mouse(at(MouseKind::Click, list.x + 5, first_row + 2, 1_200))
        .await;
    assert_eq!(h.app.focus, Focus::Detail);
    h.press("esc").await;
    h.mouse(at(MouseKind::Click, list.x + 5, first_row + 4, 5_000))
        .await;
    h.mouse(at(MouseKind::Click, list.x + 5, first_row + 4, 6_000))
        .await;
    assert_eq!(h.app.focus, Focus::List, "two clicks a second apart");
    assert_eq!(h.app.list.rows.selected, 4);
    // The header and the border are not rows.
    h.mouse(at(MouseKind::Click, list.x + 5, list.y + 1, 9_000))
        .await;
    assert_eq!(h.app.list.rows.selected, 4);

    // The wheel moves through the list three rows a notch, and scrolls the detail.
    h.mouse(at(MouseKind::WheelDown, list.x + 5, first_row, 10_000))
        .await;
    assert_eq!(h.app.list.rows.selected, 7);
    h.mouse(at(MouseKind::WheelUp, list.x + 5, first_row, 10_100))
        .await;
    assert_eq!(h.app.list.rows.selected, 4);
    let detail = h.app.ctx.layout.detail.expect("a detail");
    h.resize(WIDE.0, 20).await; // short, so the detail has something to scroll
    h.mouse(at(MouseKind::WheelDown, detail.x + 5, 5, 11_000))
        .await;
    assert!(h.app.detail.scroll > 0, "the detail scrolled");
    assert_eq!(h.app.list.rows.selected, 4, "the list did not move");

    // The tab says how many tickets the view holds; a click on it opens it.
    let urgent = demo
        .desk
        .count_tickets("priority:critical,high")
        .await
        .expect("count");
    let top = h.screen().lines().next().unwrap_or_default().to_string();
    assert!(top.contains(&format!(" 1 Urgent {urgent} ")), "{top}");
    h.mouse(at(MouseKind::Click, 8, 0, 12_000)).await;
    assert_eq!(h.app.list.query, "priority:critical,high");
    assert_eq!(h.app.list.view, Some(0));
}

#[tokio::test]
async fn the_dashboard_counts_the_filter_and_enter_lists_a_number() {
    let demo = demo().await;
    let mut h = start(&demo, WIDE).await;
    h.press("d").await;
    let screen = h.screen();
    assert!(screen.contains("Dashboard — every ticket"), "{screen}");
    let dash = h.app.dashboard.as_ref().expect("open");
    let figures = dash.figures.as_ref().expect("loaded");
    // Every number is what the query it stands for counts.
    for (_, item) in &figures.items {
        let counted = demo.desk.count_tickets(&item.query).await.expect("count");
        assert_eq!(item.count, counted, "{}", item.label);
    }
    let stats = demo.desk.stats().await.expect("stats");
    let new = stats
        .by_status
        .iter()
        .find(|c| c.name == "new")
        .map_or(0, |c| c.count);
    let (_, first) = &figures.items[0];
    assert_eq!((first.label.as_str(), first.count), ("New", new));
    assert!(
        figures
            .items
            .iter()
            .any(|(_, i)| i.label == "past their SLA" && i.count == stats.breached),
        "{:?}",
        figures.items
    );
    // The SLA: due within the hour is its own number, and the met rate over the period
    // is what resolved in it less what missed a target.
    let count = |label: &str| {
        figures
            .items
            .iter()
            .find(|(_, i)| i.label == label)
            .map(|(_, i)| i.count)
            .unwrap_or_else(|| panic!("no {label}"))
    };
    let resolved = count("resolved, last 30 days");
    let late = count("of them late");
    assert!(resolved > 0, "the demo resolved something this month");
    let rate = format!(
        "{:.0}% ({} of {resolved})",
        (resolved - late) as f64 * 100.0 / resolved as f64,
        resolved - late
    );
    assert!(screen.contains(&rate), "{rate}\n{screen}");
    let _ = count("due within the hour");
    // The approval waiting longest, and how long.
    let waiting = figures
        .items
        .iter()
        .find(|(_, i)| i.label == "awaiting approval")
        .map(|(_, i)| i.clone())
        .expect("approvals");
    let longest = demo
        .desk
        .list_tickets("status:under_review sort:updated", Some(1), None)
        .await
        .expect("list");
    assert_eq!(
        waiting.oldest,
        longest.tickets.first().map(|t| t.updated_at)
    );
    if waiting.count > 0 {
        assert!(screen.contains("awaiting approval (oldest "), "{screen}");
    }
    let series = demo.desk.stats_series("", 30).await.expect("series");
    assert_eq!(figures.series, series);
    let created: i64 = series.days.iter().map(|d| d.created).sum();
    let line = screen
        .lines()
        .find(|l| l.contains("created "))
        .expect("a created line");
    assert!(line.contains(&format!(" {created}, ")), "{screen}");

    // j moves to the next number; Enter lists it.
    h.press("j").await;
    let second = h
        .app
        .dashboard
        .as_ref()
        .and_then(|d| d.chosen().cloned())
        .expect("one");
    h.press("enter").await;
    assert!(h.app.dashboard.is_none());
    assert_eq!(h.app.list.query, second.query);
    assert_eq!(h.app.list.rows.rows.len() as i64, second.count);

    // Over a filter, the numbers are the filter's.
    filter(&mut h, "priority:high").await;
    h.press("d").await;
    let dash = h.app.dashboard.as_ref().expect("open");
    assert!(
        h.screen().contains("Dashboard — priority:high"),
        "{}",
        h.screen()
    );
    let figures = dash.figures.as_ref().expect("loaded");
    let total: i64 = figures
        .items
        .iter()
        .filter(|(s, _)| *s == desk::tui::panes::dashboard::Section::Status)
        .map(|(_, i)| i.count)
        .sum();
    assert_eq!(
        total,
        demo.desk
            .count_tickets("priority:high")
            .await
            .expect("count")
    );
    h.press("esc").await;
    assert!(h.app.dashboard.is_none());
    assert_eq!(h.app.list.query, "priority:high");
}
