//! A real desk on a real SQLite file in a temp dir, with one person of each role.
#![allow(dead_code)]

pub mod compat;
pub mod pages;
pub mod process;
pub mod server;
pub mod smtp;

use desk::domain::model::{Role, Ticket, User};
use desk::domain::requests::NewTicket;
use desk::service::{Actor, NewUser, Service, ServiceConfig};
use desk::store::Store;

pub struct TestDesk {
    pub service: Service,
    pub dir: tempfile::TempDir,
    pub customer: Actor,
    pub other_customer: Actor,
    pub agent: Actor,
    pub other_agent: Actor,
    pub supervisor: Actor,
    pub admin: Actor,
}

impl TestDesk {
    pub async fn new() -> TestDesk {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("desk.db");
        let store = Store::open(path.to_str().expect("utf-8 path"))
            .await
            .expect("open store");
        let service = Service::new(store, ServiceConfig::default());
        service.seed_defaults().await.expect("seed");
        let mk = |email: &str, name: &str, role: Role| {
            let service = service.clone();
            let new = NewUser {
                email: email.into(),
                name: name.into(),
                role,
            };
            async move { Actor::User(service.insert_user(new, None).await.expect("user")) }
        };
        TestDesk {
            customer: mk("jane@example.com", "Jane Smith", Role::Customer).await,
            other_customer: mk("bob@example.com", "Bob Wilson", Role::Customer).await,
            agent: mk("sarah@example.com", "Sarah Johnson", Role::Agent).await,
            other_agent: mk("mike@example.com", "Mike Chen", Role::Agent).await,
            supervisor: mk("almaz@example.com", "Almaz Tesfaye", Role::Supervisor).await,
            admin: mk("admin@example.com", "Admin User", Role::Admin).await,
            service,
            dir,
        }
    }

    pub fn path(&self) -> std::path::PathBuf {
        self.dir.path().join("desk.db")
    }

    /// A ticket filed by the customer in `category`.
    pub async fn file(&self, title: &str, category: &str) -> Ticket {
        self.service
            .create_ticket(
                &self.customer,
                NewTicket {
                    title: title.into(),
                    description: format!("{title}: details"),
                    category: Some(category.into()),
                    ..Default::default()
                },
            )
            .await
            .expect("file ticket")
    }
}

pub fn user(actor: &Actor) -> &User {
    match actor {
        Actor::User(u) => u,
        Actor::Contact { .. } => panic!("not a user"),
    }
}
