//! Seed 003's support part against `desk serve`: sign up, log in, file reports, and
//! support staff answer them; the answer is a public comment in the native API.

use crate::common::server;

use crate::common::compat;

use compat::{ON, garbage, get, json, options};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json as j};
use server::TestServer;

async fn desk() -> TestServer {
    TestServer::start_with(options(|c| c.reports = ON)).await
}

async fn report(s: &TestServer, token: &str, body: Value) -> i64 {
    let reply = json(s, Method::POST, "/reports/submit", Some(token), body).await;
    reply.expect(StatusCode::CREATED);
    assert!(reply.json["message"].is_string());
    reply.json["ReportID"]
        .as_i64()
        .expect("an integer ReportID")
}

#[tokio::test]
async fn sign_up_log_in_and_file_a_report() {
    let s = desk().await;
    let signed_up = json(
        &s,
        Method::POST,
        "/users/signup",
        None,
        j!({"firstName": "Lia", "lastName": "Bekele", "email": "lia@example.com",
            "password": "a long enough password", "userType": "admin"}),
    )
    .await;
    signed_up.expect(StatusCode::CREATED);
    assert!(signed_up.json["message"].is_string());
    let again = json(
        &s,
        Method::POST,
        "/users/signup",
        None,
        j!({"firstName": "Lia", "lastName": "B", "email": "lia@example.com",
            "password": "another long password", "userType": "user"}),
    )
    .await;
    again.expect(StatusCode::BAD_REQUEST);
    let missing = json(
        &s,
        Method::POST,
        "/users/signup",
        None,
        j!({"firstName": "Lia", "email": "x@example.com", "password": "a long enough password"}),
    )
    .await;
    missing.expect(StatusCode::BAD_REQUEST);
    // desk's own accounts live under .invalid; nobody may claim one with a password.
    let claimed = json(
        &s,
        Method::POST,
        "/users/signup",
        None,
        j!({"firstName": "A", "lastName": "B", "email": "compat-helpdesk@desk.invalid",
            "password": "a long enough password", "userType": "user"}),
    )
    .await;
    claimed.expect(StatusCode::BAD_REQUEST);

    let wrong = json(
        &s,
        Method::POST,
        "/users/login",
        None,
        j!({"email": "lia@example.com", "password": "not it at all"}),
    )
    .await;
    wrong.expect(StatusCode::UNAUTHORIZED);
    let login = json(
        &s,
        Method::POST,
        "/users/login",
        None,
        j!({"email": "lia@example.com", "password": "a long enough password"}),
    )
    .await;
    login.expect(StatusCode::OK);
    let token = login.json["token"].as_str().expect("token").to_string();

    // `userType` does not make anyone staff: the native API says she is a customer.
    let me = s.get("/me", Some(&token)).await;
    me.expect(StatusCode::OK);
    assert_eq!(me.json["role"], "customer");

    let id = report(
        &s,
        &token,
        j!({"ticketID": "T-100", "reservationID": "R-200", "reportCategory": "Payment Issue",
            "reportText": "I was charged twice for my bus ticket."}),
    )
    .await;
    // The older field names work too.
    report(
        &s,
        &token,
        j!({"ticketID": "T-101", "reservationID": "R-201", "category": "Travel Delay",
            "text": "The train left two hours late."}),
    )
    .await;
    let mine = get(&s, "/reports/my", Some(&token)).await;
    mine.expect(StatusCode::OK);
    let rows = mine.json.as_array().expect("a list");
    assert_eq!(rows.len(), 2);
    let row = rows
        .iter()
        .find(|r| r["ReportID"] == id)
        .expect("the report");
    assert_eq!(row["TicketID"], "T-100");
    assert_eq!(row["ReservationID"], "R-200");
    assert_eq!(row["ReportCategory"], "Payment Issue");
    assert_eq!(row["ReportText"], "I was charged twice for my bus ticket.");
    assert_eq!(row["ProcessingStatus"], "Pending");
    assert_eq!(row["Answer"], Value::Null);

    // Staff sign in through the same door with their desk accounts.
    let staff = json(
        &s,
        Method::POST,
        "/users/login",
        None,
        j!({"email": s.agent.email(), "password": server::PASSWORD}),
    )
    .await;
    staff.expect(StatusCode::OK);
    s.stop().await;
}

#[tokio::test]
async fn an_answer_is_a_public_comment_in_the_native_api() {
    let s = desk().await;
    let id = report(
        &s,
        &s.customer.token,
        j!({"ticketID": "T-1", "reservationID": "R-1", "reportCategory": "Payment Issue",
            "reportText": "Charged twice."}),
    )
    .await;
    let all = get(&s, "/support/admin/reports", Some(&s.agent.token)).await;
    all.expect(StatusCode::OK);
    assert_eq!(all.json.as_array().map(Vec::len), Some(1));

    // An internal note on the ticket never shows as the report's answer.
    s.post(
        &format!("/tickets/{id}/comments"),
        Some(&s.agent.token),
        j!({"body": "Check the payment gateway logs", "visibility": "internal"}),
    )
    .await
    .expect(StatusCode::CREATED);

    let answered = json(
        &s,
        Method::POST,
        "/support/admin/reports/respond",
        Some(&s.agent.token),
        j!({"ReportID": id, "ProcessingStatus": "Reviewed", "Answer": "Refund issued."}),
    )
    .await;
    answered.expect(StatusCode::OK);
    assert_eq!(answered.json, j!({"message": "Report updated"}));

    let native = s
        .get(&format!("/tickets/{id}"), Some(&s.customer.token))
        .await;
    native.expect(StatusCode::OK);
    assert_eq!(native.json["ticket"]["status"], "resolved");
    let comments = native.json["comments"].as_array().expect("comments");
    assert_eq!(comments.len(), 1, "customers see only the public answer");
    assert_eq!(comments[0]["body"], "Refund issued.");
    assert_eq!(comments[0]["visibility"], "public");
    assert_eq!(comments[0]["author"]["email"], s.agent.email());

    let mine = get(&s, "/reports/my", Some(&s.customer.token)).await;
    assert_eq!(mine.json[0]["ProcessingStatus"], "Reviewed");
    assert_eq!(mine.json[0]["Answer"], "Refund issued.");

    // Back to pending: the ticket is worked again.
    json(
        &s,
        Method::POST,
        "/support/admin/reports/respond",
        Some(&s.agent.token),
        j!({"ReportID": id, "ProcessingStatus": "Pending"}),
    )
    .await
    .expect(StatusCode::OK);
    let native = s.get(&format!("/tickets/{id}"), Some(&s.agent.token)).await;
    assert_eq!(native.json["ticket"]["status"], "in_progress");
    s.stop().await;
}

#[tokio::test]
async fn customers_are_refused_the_support_calls_and_nothing_is_written() {
    let s = desk().await;
    let id = report(
        &s,
        &s.customer.token,
        j!({"reportCategory": "Payment Issue", "reportText": "Charged twice."}),
    )
    .await;
    let listed = get(&s, "/support/admin/reports", Some(&s.customer.token)).await;
    listed.expect(StatusCode::FORBIDDEN);
    assert!(listed.json["message"].is_string());
    let before = s.event_count().await;
    let respond = json(
        &s,
        Method::POST,
        "/support/admin/reports/respond",
        Some(&s.customer.token),
        j!({"ReportID": id, "ProcessingStatus": "Reviewed", "Answer": "Done, says I"}),
    )
    .await;
    respond.expect(StatusCode::FORBIDDEN);
    assert_eq!(s.event_count().await, before);

    for path in ["/reports/my", "/support/admin/reports"] {
        let reply = get(&s, path, None).await;
        reply.expect(StatusCode::UNAUTHORIZED);
        assert!(reply.json["message"].is_string());
    }
    let reply = json(
        &s,
        Method::POST,
        "/reports/submit",
        Some("not-a-token"),
        j!({"reportCategory": "Payment Issue", "reportText": "x"}),
    )
    .await;
    reply.expect(StatusCode::UNAUTHORIZED);
    s.stop().await;
}

#[tokio::test]
async fn bad_input_gets_400_invalid_input() {
    let s = desk().await;
    let id = report(
        &s,
        &s.customer.token,
        j!({"reportCategory": "Payment Issue", "reportText": "Charged twice."}),
    )
    .await;
    for body in [
        j!({}),
        j!({"ReportID": id}),
        j!({"ReportID": id, "ProcessingStatus": "Done"}),
        j!({"ReportID": "abc", "ProcessingStatus": "Reviewed"}),
    ] {
        let reply = json(
            &s,
            Method::POST,
            "/support/admin/reports/respond",
            Some(&s.agent.token),
            body.clone(),
        )
        .await;
        reply.expect(StatusCode::BAD_REQUEST);
        assert_eq!(reply.json, j!({"error": "Invalid input"}), "{body}");
    }
    let reply = garbage(
        &s,
        Method::POST,
        "/support/admin/reports/respond",
        Some(&s.agent.token),
    )
    .await;
    reply.expect(StatusCode::BAD_REQUEST);
    assert_eq!(reply.json, j!({"error": "Invalid input"}));
    let unknown = json(
        &s,
        Method::POST,
        "/support/admin/reports/respond",
        Some(&s.agent.token),
        j!({"ReportID": 9999, "ProcessingStatus": "Reviewed"}),
    )
    .await;
    unknown.expect(StatusCode::NOT_FOUND);

    let submit = json(
        &s,
        Method::POST,
        "/reports/submit",
        Some(&s.customer.token),
        j!({"ticketID": "T"}),
    )
    .await;
    submit.expect(StatusCode::BAD_REQUEST);
    let submit = garbage(&s, Method::POST, "/reports/submit", Some(&s.customer.token)).await;
    submit.expect(StatusCode::BAD_REQUEST);
    for path in ["/users/login", "/users/signup"] {
        let reply = garbage(&s, Method::POST, path, None).await;
        reply.expect(StatusCode::BAD_REQUEST);
        assert!(reply.json["message"].is_string());
    }
    s.stop().await;
}

/// The booking system's pages as they call it: sign up (and be signed in at once), log
/// in and branch on `userType`, file with integer ids, and support staff list everyone's
/// reports with who filed them. Several people sign up from one address without
/// tripping the login limit.
#[tokio::test]
async fn the_booking_pages_flow_in_the_originals_shapes() {
    let mut opts = options(|c| c.reports = ON);
    opts.login_burst = 3;
    opts.login_period = std::time::Duration::from_secs(60);
    let s = TestServer::start_without_logins(opts).await;
    let mut tokens = Vec::new();
    for (i, first) in ["Abebe", "Sara", "Dawit"].iter().enumerate() {
        let email = format!("traveller{i}@example.com");
        let signed_up = json(
            &s,
            Method::POST,
            "/users/signup",
            None,
            j!({"firstName": first, "lastName": "Tesfaye", "email": email,
                "password": "a long enough password", "userType": "Customer"}),
        )
        .await;
        signed_up.expect(StatusCode::CREATED);
        assert!(signed_up.json["message"].is_string());
        let token = signed_up.json["token"]
            .as_str()
            .expect("a token at sign-up");
        let me = s.get("/me", Some(token)).await;
        me.expect(StatusCode::OK);
        assert_eq!(me.json["email"], email.as_str());

        let login = json(
            &s,
            Method::POST,
            "/users/login",
            None,
            j!({"email": email, "password": "a long enough password"}),
        )
        .await;
        login.expect(StatusCode::OK);
        assert!(login.json["message"].is_string());
        assert_eq!(login.json["userType"], "Customer");
        tokens.push(login.json["token"].as_str().expect("token").to_string());
    }
    let wrong = json(
        &s,
        Method::POST,
        "/users/login",
        None,
        j!({"email": "traveller0@example.com", "password": "not it at all"}),
    )
    .await;
    // The login bucket is spent by now, or it is a plain refusal: both say `message`.
    assert!(
        wrong.status == StatusCode::UNAUTHORIZED || wrong.status == StatusCode::TOO_MANY_REQUESTS
    );
    assert!(wrong.json["message"].is_string(), "{}", wrong.text());
    assert!(wrong.json.get("error").is_none());

    // Integers stay integers; strings stay strings.
    let id = report(
        &s,
        &tokens[0],
        j!({"ticketID": 1001, "reservationID": 2002, "reportCategory": "Travel Delay",
            "reportText": "The bus left three hours late."}),
    )
    .await;
    report(
        &s,
        &tokens[1],
        j!({"ticketID": "T-9", "reservationID": "R-9", "reportCategory": "payment issue",
            "reportText": "Charged twice."}),
    )
    .await;
    let mine = get(&s, "/reports/my", Some(&tokens[0])).await;
    mine.expect(StatusCode::OK);
    assert_eq!(mine.json[0]["TicketID"], 1001);
    assert_eq!(mine.json[0]["ReservationID"], 2002);
    assert!(mine.json[0].get("UserID").is_none());

    // A category outside the list is refused, with the list.
    let odd = json(
        &s,
        Method::POST,
        "/reports/submit",
        Some(&tokens[0]),
        j!({"reportCategory": "Refund", "reportText": "Please"}),
    )
    .await;
    odd.expect(StatusCode::BAD_REQUEST);
    let message = odd.json["message"].as_str().expect("a message");
    for c in ["Payment Issue", "Travel Delay", "Unexpected Cancellation"] {
        assert!(message.contains(c), "{message}");
    }

    // Staff: their role word, everyone's reports with the reporter.
    let staff = json(
        &s,
        Method::POST,
        "/users/login",
        None,
        j!({"email": s.agent.email(), "password": server::PASSWORD}),
    )
    .await;
    if staff.status == StatusCode::OK {
        assert_eq!(staff.json["userType"], "Support");
    }
    let all = get(&s, "/support/admin/reports", Some(&s.agent.token)).await;
    all.expect(StatusCode::OK);
    let row = all
        .json
        .as_array()
        .expect("a list")
        .iter()
        .find(|r| r["ReportID"] == id)
        .expect("the report")
        .clone();
    assert_eq!(row["FirstName"], "Abebe");
    assert_eq!(row["LastName"], "Tesfaye");
    assert!(row["UserID"].is_i64());
    let payment = all
        .json
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["TicketID"] == "T-9")
        .cloned();
    assert_eq!(
        payment.map(|r| r["ReportCategory"].clone()),
        Some(j!("Payment Issue"))
    );

    // The respond call alone keeps `error`, for every refusal.
    let respond = json(
        &s,
        Method::POST,
        "/support/admin/reports/respond",
        Some(&tokens[0]),
        j!({"ReportID": id, "ProcessingStatus": "Reviewed"}),
    )
    .await;
    respond.expect(StatusCode::FORBIDDEN);
    assert!(respond.json["error"].is_string() && respond.json.get("message").is_none());
    s.stop().await;
}

#[tokio::test]
async fn staff_and_admins_log_in_with_their_role_words() {
    let s = desk().await;
    for (email, word) in [
        (s.agent.email(), "Support"),
        (s.supervisor.email(), "Support"),
        (s.admin.email(), "Admin"),
        (s.customer.email(), "Customer"),
    ] {
        let login = json(
            &s,
            Method::POST,
            "/users/login",
            None,
            j!({"email": email, "password": server::PASSWORD}),
        )
        .await;
        login.expect(StatusCode::OK);
        assert_eq!(login.json["userType"], word, "{email}");
    }
    s.stop().await;
}

/// One address has one budget of login guesses, whichever door it knocks on: guesses at
/// desk's own login use up the booking system's too.
#[tokio::test]
async fn login_guesses_count_against_one_budget_across_doors() {
    let mut opts = options(|c| c.reports = ON);
    opts.login_burst = 2;
    opts.login_period = std::time::Duration::from_secs(60);
    let s = TestServer::start_without_logins(opts).await;
    for _ in 0..2 {
        let native = json(
            &s,
            Method::POST,
            "/api/v1/auth/login",
            None,
            j!({"email": "nobody@example.com", "password": "a wrong guess"}),
        )
        .await;
        native.expect(StatusCode::UNAUTHORIZED);
    }
    let compat = json(
        &s,
        Method::POST,
        "/users/login",
        None,
        j!({"email": "nobody@example.com", "password": "another guess"}),
    )
    .await;
    compat.expect(StatusCode::TOO_MANY_REQUESTS);
    s.stop().await;
}
