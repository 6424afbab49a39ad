use crate::common;

use desk::domain::model::Visibility;

#[tokio::test]
async fn file_work_and_find_a_ticket() {
    let d = common::TestDesk::new().await;
    let t = d.file("Printer on fire", "General").await;
    assert_eq!(t.key, "TKT-1");
    let t = d
        .service
        .assign(&d.agent, &t.key, Some("sarah@example.com"), Some(1))
        .await
        .unwrap();
    assert_eq!(t.status, "assigned");
    d.service
        .comment(&d.agent, &t.key, "Looking now", Visibility::Public, None)
        .await
        .unwrap();
    d.service
        .comment(&d.agent, &t.key, "secret", Visibility::Internal, None)
        .await
        .unwrap();
    let list = d
        .service
        .list_tickets(&d.agent, "status:open printer", None, None)
        .await
        .unwrap();
    assert_eq!(list.tickets.len(), 1);
    let list = d
        .service
        .list_tickets(&d.customer, "secret", None, None)
        .await
        .unwrap();
    assert_eq!(list.tickets.len(), 0);
    let list = d
        .service
        .list_tickets(&d.agent, "secret", None, None)
        .await
        .unwrap();
    assert_eq!(list.tickets.len(), 1);
    let view = d.service.get_ticket(&d.customer, "TKT-1").await.unwrap();
    assert_eq!(view.comments.len(), 1);
    let stats = d.service.stats(&d.agent).await.unwrap();
    assert_eq!(stats.total, 1);
    let ch = d.service.changes(&d.agent, 0, None).await.unwrap();
    assert!(ch.events.len() >= 4, "{ch:?}");
}
