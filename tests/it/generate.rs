//! The benchmark data generator makes a desk the service can work with.

use desk::generate::{Shape, generate};
use desk::service::{Actor, Service, ServiceConfig};
use desk::store::Store;

#[tokio::test]
async fn generated_desks_are_consistent_and_usable() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("gen.db").to_str().unwrap())
        .await
        .unwrap();
    let service = Service::new(store, ServiceConfig::default());
    let made = generate(&service, Shape::tickets(3_000)).await.unwrap();
    assert_eq!(made, 3_000);

    let agent = Actor::User(
        service
            .user_by_email("agent1@example.com")
            .await
            .unwrap()
            .unwrap(),
    );
    let stats = service.stats(&agent).await.unwrap();
    assert_eq!(stats.total, 3_000);
    assert!(
        stats.done > stats.open,
        "most tickets of an old desk are done: {stats:?}"
    );
    assert!(stats.breached > 0);

    // The search index, tags and ticket numbers agree with the tables.
    let vip = service.count_tickets(&agent, "tag:vip").await.unwrap();
    assert!(vip > 0);
    let found = service
        .list_tickets(&agent, "printer", Some(10), None)
        .await
        .unwrap();
    assert!(!found.tickets.is_empty());
    for t in &found.tickets {
        let view = service.get_ticket(&agent, &t.key).await.unwrap();
        let text = std::iter::once(t.title.clone())
            .chain([t.description.clone()])
            .chain(view.comments.iter().map(|c| c.body.clone()))
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        assert!(
            text.contains("printer"),
            "{} matched without the word",
            t.key
        );
    }
    let view = service.get_ticket(&agent, "TKT-1500").await.unwrap();
    assert!(!view.events.is_empty());
    let next = service
        .create_ticket(
            &agent,
            desk::domain::requests::NewTicket {
                title: "after generation".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(next.key, "TKT-3001");

    // A second run refuses to pile onto existing data.
    assert!(generate(&service, Shape::tickets(10)).await.is_err());
}
