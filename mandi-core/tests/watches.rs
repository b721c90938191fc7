//! The watch service: adding from a link, scoping to the owner, editing, export and import.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{Duration, TimeZone, Utc};
use mandi_core::catalog::CatalogService;
use mandi_core::links::ProductRef;
use mandi_core::store::MemoryStore;
use mandi_core::watches::{WatchError, WatchService, WatchSpec, default_rules};
use mandi_core::{
    AlertRule, Asin, Availability, BrowseNode, BrowseNodesRequest, Clock, Currency,
    ExternalIdentity, ItemsBatch, ItemsRequest, ManualClock, Marketplace, Money, Offer, Product,
    ProductSource, SearchPage, SearchRequest, SourceError, Store, VariationFamily,
    VariationsRequest, WatchState, WatchTarget,
};

const PHONE: &str = "B0CX59H5W7";
const CHILD: &str = "B0CX59H5W8";

/// Two products: a phone, and a child of family B0PARENT00.
#[derive(Debug)]
struct Shop {
    clock: Arc<ManualClock>,
}

#[async_trait]
impl ProductSource for Shop {
    fn name(&self) -> &str {
        "shop"
    }
    async fn get_items(&self, r: &ItemsRequest) -> Result<ItemsBatch, SourceError> {
        let mut batch = ItemsBatch::default();
        for asin in r.unique_asins() {
            if asin.as_str() == PHONE || asin.as_str() == CHILD {
                let mut p = Product::new(asin, r.marketplace, "Phone", self.clock.now());
                p.offers.push(Offer::new(
                    Some(Money::from_major(20_000, Currency::INR)),
                    Availability::InStock,
                ));
                if asin.as_str() == CHILD {
                    p.parent_asin = Some("B0PARENT00".parse().expect("asin"));
                }
                batch.items.push(p);
            }
        }
        Ok(batch)
    }
    async fn search_items(&self, _r: &SearchRequest) -> Result<SearchPage, SourceError> {
        Ok(SearchPage::default())
    }
    async fn get_variations(&self, r: &VariationsRequest) -> Result<VariationFamily, SourceError> {
        let batch = self
            .get_items(&ItemsRequest::new(
                r.marketplace,
                [CHILD.parse::<Asin>().expect("asin")],
            ))
            .await?;
        Ok(VariationFamily {
            parent_asin: "B0PARENT00".parse().expect("asin"),
            dimensions: vec!["color_name".into()],
            items: if r.variation_page == 1 {
                batch.items
            } else {
                Vec::new()
            },
            variation_count: 1,
            price_range: None,
        })
    }
    async fn get_browse_nodes(
        &self,
        _r: &BrowseNodesRequest,
    ) -> Result<Vec<BrowseNode>, SourceError> {
        Ok(Vec::new())
    }
}

fn setup() -> (WatchService, Arc<MemoryStore>, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0)
            .single()
            .expect("time"),
    ));
    let store = Arc::new(MemoryStore::new());
    let catalog = CatalogService::new(
        Arc::new(Shop {
            clock: clock.clone(),
        }),
        store.clone(),
        clock.clone(),
    );
    (WatchService::new(catalog), store, clock)
}

fn product(asin: &str) -> ProductRef {
    ProductRef::new(asin.parse::<Asin>().expect("asin"), Marketplace::India)
}

#[tokio::test]
async fn adding_a_watch_takes_todays_price_as_baseline_and_default_rules() {
    let (service, _store, _clock) = setup();
    let user = service
        .user(ExternalIdentity::new("cli", "local"), None)
        .await
        .expect("user");
    let added = service
        .add(&user, product(PHONE), WatchSpec::default())
        .await
        .expect("add");
    assert_eq!(added.watch.rules, default_rules());
    assert_eq!(
        added.watch.baseline_price,
        Some(Money::from_major(20_000, Currency::INR))
    );
    let again = service
        .add(&user, product(PHONE), WatchSpec::default())
        .await;
    assert!(matches!(again, Err(WatchError::Duplicate(id)) if id == added.watch.id));
}

#[tokio::test]
async fn unknown_products_bad_rules_and_family_less_products_are_refused() {
    let (service, store, _clock) = setup();
    let user = service
        .user(ExternalIdentity::new("cli", "local"), None)
        .await
        .expect("user");
    let unknown = service
        .add(&user, product("B000000000"), WatchSpec::default())
        .await;
    assert!(
        matches!(unknown, Err(WatchError::UnknownProduct(_))),
        "{unknown:?}"
    );
    let bad = WatchSpec {
        rules: vec![AlertRule::TargetPrice {
            at_or_below: Money::from_major(10, Currency::USD),
        }],
        ..WatchSpec::default()
    };
    let err = service
        .add(&user, product(PHONE), bad)
        .await
        .expect_err("USD target in India");
    assert!(err.to_string().contains("USD"), "{err}");
    let family = WatchSpec {
        family: true,
        ..WatchSpec::default()
    };
    assert!(matches!(
        service.add(&user, product(PHONE), family.clone()).await,
        Err(WatchError::Invalid(_))
    ));
    let fam = service
        .add(&user, product(CHILD), family)
        .await
        .expect("family watch");
    assert!(matches!(fam.watch.target, WatchTarget::Family { .. }));
    let children = store
        .variation_children(Marketplace::India, "B0PARENT00".parse().expect("asin"))
        .await
        .expect("children");
    assert_eq!(
        children,
        vec![CHILD.parse::<Asin>().expect("asin")],
        "the monitor needs the children"
    );
    assert_eq!(store.list_watches(user.id).await.expect("list").len(), 1);
}

#[tokio::test]
async fn a_user_cannot_touch_another_users_watch() {
    let (service, _store, clock) = setup();
    let alice = service
        .user(ExternalIdentity::new("cli", "alice"), None)
        .await
        .expect("alice");
    let bob = service
        .user(ExternalIdentity::new("cli", "bob"), None)
        .await
        .expect("bob");
    let w = service
        .add(&alice, product(PHONE), WatchSpec::default())
        .await
        .expect("add")
        .watch;
    assert!(matches!(
        service.remove(&bob, w.id).await,
        Err(WatchError::NotFound(_))
    ));
    assert!(matches!(
        service.set_state(&bob, w.id, WatchState::Paused).await,
        Err(WatchError::NotFound(_))
    ));
    assert!(service.list(&bob).await.expect("list").is_empty());
    let until = clock.now() + Duration::days(2);
    let snoozed = service
        .set_state(&alice, w.id, WatchState::Snoozed { until })
        .await
        .expect("snooze");
    assert_eq!(snoozed.state, WatchState::Snoozed { until });
    assert!(
        service
            .set_state(
                &alice,
                w.id,
                WatchState::Snoozed {
                    until: clock.now() - Duration::hours(1)
                }
            )
            .await
            .is_err()
    );
}

#[tokio::test]
async fn editing_rules_validates_and_saves_them() {
    let (service, _store, _clock) = setup();
    let user = service
        .user(ExternalIdentity::new("cli", "local"), None)
        .await
        .expect("user");
    let w = service
        .add(&user, product(PHONE), WatchSpec::default())
        .await
        .expect("add")
        .watch;
    let rules = vec![AlertRule::TargetPrice {
        at_or_below: Money::from_major(18_000, Currency::INR),
    }];
    let edited = service
        .edit(&user, w.id, rules.clone(), Some("for mum".into()))
        .await
        .expect("edit");
    assert_eq!(edited.rules, rules);
    assert_eq!(edited.label.as_deref(), Some("for mum"));
    assert!(service.edit(&user, w.id, Vec::new(), None).await.is_err());
    assert!(
        service
            .edit(&user, w.id, vec![AlertRule::LowestInDays { days: 0 }], None)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn export_then_import_into_another_account_round_trips() {
    let (service, _store, _clock) = setup();
    let alice = service
        .user(ExternalIdentity::new("cli", "alice"), None)
        .await
        .expect("alice");
    let w = service
        .add(&alice, product(PHONE), WatchSpec::default())
        .await
        .expect("add")
        .watch;
    service
        .set_state(&alice, w.id, WatchState::Paused)
        .await
        .expect("pause");
    let doc = service.export(&alice).await.expect("export");
    let json = serde_json::to_string(&doc).expect("json");

    let bob = service
        .user(ExternalIdentity::new("cli", "bob"), None)
        .await
        .expect("bob");
    let report = service.import(&bob, &json, true).await.expect("import");
    assert_eq!(report.created, 1);
    let bobs = service.list(&bob).await.expect("list");
    assert_eq!(bobs.len(), 1);
    assert_eq!(bobs[0].rules, w.rules);
    assert_eq!(bobs[0].state, WatchState::Paused);
    let again = service
        .import(&bob, &json, false)
        .await
        .expect("import again");
    assert_eq!((again.created, again.already_watched), (0, 1));
}

#[tokio::test]
async fn an_import_with_one_bad_entry_changes_nothing() {
    let (service, _store, _clock) = setup();
    let alice = service
        .user(ExternalIdentity::new("cli", "alice"), None)
        .await
        .expect("alice");
    service
        .add(&alice, product(PHONE), WatchSpec::default())
        .await
        .expect("add");
    let mut doc = service.export(&alice).await.expect("export");
    let mut bad = doc.watches[0].clone();
    bad.target = WatchTarget::Product {
        marketplace: Marketplace::India,
        asin: CHILD.parse().expect("asin"),
    };
    bad.rules = vec![AlertRule::DropFromBaseline { bps: 0 }];
    doc.watches.push(bad);
    let json = serde_json::to_string(&doc).expect("json");
    let bob = service
        .user(ExternalIdentity::new("cli", "bob"), None)
        .await
        .expect("bob");
    let err = service
        .import(&bob, &json, true)
        .await
        .expect_err("bad entry");
    assert!(err.to_string().contains("watch 2"), "{err}");
    assert!(service.list(&bob).await.expect("list").is_empty());
    for garbage in [
        "",
        "{",
        "[1,2]",
        "{\"version\":9,\"exported_at\":\"2026-01-01T00:00:00Z\",\"settings\":{},\"watches\":[]}",
    ] {
        assert!(
            matches!(
                service.import(&bob, garbage, true).await,
                Err(WatchError::Invalid(_))
            ),
            "{garbage}"
        );
    }
}

#[tokio::test]
async fn the_alert_step_tells_the_scheduler_how_close_a_price_is_to_a_target() {
    use mandi_core::monitor::{HintBoard, ProductKey};
    let (service, _store, _clock) = setup();
    let user = service
        .user(ExternalIdentity::new("cli", "local"), None)
        .await
        .expect("user");
    let spec = WatchSpec {
        rules: vec![AlertRule::TargetPrice {
            at_or_below: Money::from_major(19_000, Currency::INR),
        }],
        ..WatchSpec::default()
    };
    service.add(&user, product(PHONE), spec).await.expect("add");
    let board = Arc::new(HintBoard::new());
    let step = service
        .catalog()
        .alert_step()
        .clone()
        .with_hints(board.clone());
    let asin: Asin = PHONE.parse().expect("asin");
    step.refresh(Marketplace::India, &[asin])
        .await
        .expect("refresh");
    let hint = board
        .take(ProductKey::new(Marketplace::India, asin))
        .expect("a hint for the refreshed product");
    // ₹20,000 against a ₹19,000 target: 1,000 / 19,000 = 526 basis points above it.
    assert_eq!(hint.target_gap_bps, Some(526));
    assert_eq!(hint.deal_ends_at, None);
}

/// An export of `count` watches, produced as it is read (the test holds no big file).
struct GeneratedExport {
    head: Vec<u8>,
    entry: String,
    count: u64,
    next: u64,
    buf: Vec<u8>,
    pos: usize,
    done: bool,
}

impl GeneratedExport {
    /// `template` is one exported watch whose ASIN is `B000000001`.
    fn new(settings_json: &str, template: &str, count: u64) -> Self {
        Self {
            head: format!(
                "{{\"version\":1,\"exported_at\":\"2026-10-01T00:00:00Z\",\"settings\":{settings_json},\"watches\":["
            )
            .into_bytes(),
            entry: template.to_owned(),
            count,
            next: 0,
            buf: Vec::new(),
            pos: 0,
            done: false,
        }
    }
}

impl std::io::Read for GeneratedExport {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
            if !self.head.is_empty() {
                self.buf = std::mem::take(&mut self.head);
            } else if self.next < self.count {
                if self.next > 0 {
                    self.buf.push(b',');
                }
                let asin = format!("B{:09}", self.next + 1);
                self.buf
                    .extend_from_slice(self.entry.replace("B000000001", &asin).as_bytes());
                self.next += 1;
            } else if !self.done {
                self.buf.extend_from_slice(b"]}");
                self.done = true;
            } else {
                return Ok(0);
            }
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// An import far over the per-person cap is refused after its first entries: linear, quick
/// and in bounded memory however large the file. `MANDI_HEAVY_TESTS=1` runs it with
/// 1,000,000 watches written to a real file (as `mandi import` reads it).
#[tokio::test]
async fn a_huge_import_is_refused_by_the_cap_while_it_is_read() {
    let (service, _store, _clock) = setup();
    let alice = service
        .user(ExternalIdentity::new("cli", "alice"), None)
        .await
        .expect("alice");
    let spec = WatchSpec::default();
    let one = service
        .add(&alice, product(PHONE), spec)
        .await
        .expect("add");
    let doc = service.export(&alice).await.expect("export");
    let mut entry = doc.watches[0].clone();
    entry.target = WatchTarget::Product {
        marketplace: Marketplace::India,
        asin: "B000000001".parse().expect("asin"),
    };
    let template = serde_json::to_string(&entry).expect("json");
    let settings = serde_json::to_string(&doc.settings).expect("json");
    let bob = service
        .user(ExternalIdentity::new("cli", "bob"), None)
        .await
        .expect("bob");
    let heavy = std::env::var("MANDI_HEAVY_TESTS").is_ok_and(|v| v == "1");
    let count: u64 = if heavy { 1_000_000 } else { 100_000 };
    let began = std::time::Instant::now();
    let err = if heavy {
        let path = std::env::temp_dir().join(format!("mandi-import-{}.json", std::process::id()));
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).expect("file"));
        std::io::copy(
            &mut GeneratedExport::new(&settings, &template, count),
            &mut file,
        )
        .expect("write");
        drop(file);
        let size = std::fs::metadata(&path).expect("size").len();
        let began = std::time::Instant::now();
        let err = service
            .import_from_reader(&bob, std::fs::File::open(&path).expect("open"), true)
            .await
            .expect_err("over the cap");
        eprintln!(
            "{count} watches, {size} bytes: refused in {:?}",
            began.elapsed()
        );
        let _ = std::fs::remove_file(&path);
        err
    } else {
        service
            .import_from_reader(
                &bob,
                GeneratedExport::new(&settings, &template, count),
                true,
            )
            .await
            .expect_err("over the cap")
    };
    assert!(
        err.to_string().contains("one person may hold at most"),
        "{err}"
    );
    assert!(
        began.elapsed() < std::time::Duration::from_secs(if heavy { 60 } else { 10 }),
        "{:?}",
        began.elapsed()
    );
    assert!(service.list(&bob).await.expect("list").is_empty());

    // Right at the cap it is read whole and lands (the phone Alice holds is one of them).
    let carol = service
        .user(ExternalIdentity::new("cli", "carol"), None)
        .await
        .expect("carol");
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut GeneratedExport::new(&settings, &template, 500),
        &mut text,
    )
    .expect("read");
    let report = service.import(&carol, &text, false).await.expect("import");
    assert_eq!(report.created, 500);
    assert!(one.watch.id.0 > 0);
}

/// Rule states as saved for a watch with the default rules: the all-time-low rule (index 1)
/// has fired twice and is disarmed at ₹15,000; the others are fresh.
async fn fired_low_states(store: &MemoryStore, watch: mandi_core::WatchId) -> Asin {
    use mandi_core::alerts::WatchRuleStates;
    let asin: Asin = PHONE.parse().expect("asin");
    let mut states = WatchRuleStates::new(watch);
    let p = states.for_asin_mut(asin, 3);
    p.rules[1].armed = false;
    p.rules[1].epoch = 2;
    p.rules[1].trigger_level = Some(Money::from_major(15_000, Currency::INR));
    store
        .apply_update(&mandi_core::PriceUpdate {
            rule_states: vec![states],
            ..Default::default()
        })
        .await
        .expect("states");
    asin
}

/// The saved state of the rule at `index`, as the engine reads it (by position).
async fn state_at(
    store: &MemoryStore,
    watch: mandi_core::WatchId,
    asin: Asin,
    index: usize,
) -> mandi_core::alerts::RuleState {
    store.rule_states(&[watch]).await.expect("states")[0]
        .for_asin(asin)
        .expect("asin states")
        .rules[index]
        .clone()
}

/// Regression (issue #14): the bot set a target by inserting the rule at the front of the
/// watch and saving it directly; states are kept by rule position, so every rule inherited
/// its neighbour's state. This reproduces that, then checks `WatchService::set_target`.
#[tokio::test]
async fn setting_a_target_keeps_every_other_rules_own_state() {
    let (service, store, _clock) = setup();
    let user = service
        .user(ExternalIdentity::new("telegram", "42"), None)
        .await
        .expect("user");
    let target = Money::from_major(18_000, Currency::INR);

    // What the bot did before: insert at the front, save the watch, leave states alone.
    let old = service
        .add(&user, product(PHONE), WatchSpec::default())
        .await
        .expect("add")
        .watch;
    let asin = fired_low_states(&store, old.id).await;
    let mut w = store.get_watch(user.id, old.id).await.expect("watch");
    w.rules.insert(
        0,
        AlertRule::TargetPrice {
            at_or_below: target,
        },
    );
    store.update_watch(&w).await.expect("save");
    let low_at = w
        .rules
        .iter()
        .position(|r| *r == AlertRule::AllTimeLow)
        .expect("low rule");
    assert_eq!(low_at, 2);
    // The bug: the new target rule reads the drop rule's state, the all-time-low rule reads
    // the back-in-stock rule's (armed, so it fires again at the same low) …
    assert!(state_at(&store, old.id, asin, low_at).await.armed);
    // … and the back-in-stock rule (now index 3) has no state of its own at all.
    store.delete_watch(user.id, old.id).await.expect("delete");

    // Through the service: the target rule is appended, nothing moves, states stay put.
    let w = service
        .add(&user, product(PHONE), WatchSpec::default())
        .await
        .expect("add")
        .watch;
    let asin = fired_low_states(&store, w.id).await;
    let before_low = state_at(&store, w.id, asin, 1).await;
    let updated = service.set_target(&user, w.id, target).await.expect("set");
    assert_eq!(updated.rules[..3], default_rules()[..]);
    assert_eq!(
        updated.rules[3],
        AlertRule::TargetPrice {
            at_or_below: target
        }
    );
    assert_eq!(
        state_at(&store, w.id, asin, 1).await,
        before_low,
        "the all-time-low rule keeps its own state"
    );
    assert!(!state_at(&store, w.id, asin, 1).await.armed);

    // Changing the target replaces it in place; only that rule is re-armed (epoch kept).
    let mut states = store.rule_states(&[w.id]).await.expect("states")[0].clone();
    let p = states.for_asin_mut(asin, 4);
    p.rules[3].armed = false;
    p.rules[3].epoch = 5;
    store
        .apply_update(&mandi_core::PriceUpdate {
            rule_states: vec![states],
            ..Default::default()
        })
        .await
        .expect("states");
    let lower = Money::from_major(17_000, Currency::INR);
    let again = service.set_target(&user, w.id, lower).await.expect("again");
    assert_eq!(again.rules.len(), 4);
    assert_eq!(
        again.rules[3],
        AlertRule::TargetPrice { at_or_below: lower }
    );
    let t = state_at(&store, w.id, asin, 3).await;
    assert!(t.armed, "a changed target is re-armed");
    assert_eq!(t.epoch, 5, "the epoch only grows");
    assert_eq!(state_at(&store, w.id, asin, 1).await, before_low);

    // Validation: zero, negative, another currency; someone else's watch.
    for bad in [
        Money::from_minor(0, Currency::INR),
        Money::from_minor(-100, Currency::INR),
        Money::from_major(10, Currency::USD),
    ] {
        assert!(matches!(
            service.set_target(&user, w.id, bad).await,
            Err(WatchError::Invalid(_))
        ));
    }
    let other = service
        .user(ExternalIdentity::new("telegram", "43"), None)
        .await
        .expect("other");
    assert!(matches!(
        service.set_target(&other, w.id, target).await,
        Err(WatchError::NotFound(_))
    ));
}

#[tokio::test]
async fn pause_resume_and_snooze_validate_and_stamp_the_change() {
    let (service, _store, clock) = setup();
    let user = service
        .user(ExternalIdentity::new("telegram", "42"), None)
        .await
        .expect("user");
    let w = service
        .add(&user, product(PHONE), WatchSpec::default())
        .await
        .expect("add")
        .watch;
    clock.advance(Duration::minutes(5));
    let paused = service.pause(&user, w.id).await.expect("pause");
    assert_eq!(paused.state, WatchState::Paused);
    assert_eq!(paused.updated_at, clock.now());
    assert_eq!(service.get(&user, w.id).await.expect("get"), paused);
    clock.advance(Duration::minutes(5));
    let snoozed = service
        .snooze(&user, w.id, Duration::hours(24))
        .await
        .expect("snooze");
    assert_eq!(
        snoozed.state,
        WatchState::Snoozed {
            until: clock.now() + Duration::hours(24)
        }
    );
    assert_eq!(snoozed.updated_at, clock.now());
    for bad in [Duration::zero(), Duration::hours(-1), Duration::days(400)] {
        assert!(matches!(
            service.snooze(&user, w.id, bad).await,
            Err(WatchError::Invalid(_))
        ));
    }
    let resumed = service.resume(&user, w.id).await.expect("resume");
    assert_eq!(resumed.state, WatchState::Active);
    let other = service
        .user(ExternalIdentity::new("telegram", "43"), None)
        .await
        .expect("other");
    assert!(matches!(
        service.pause(&other, w.id).await,
        Err(WatchError::NotFound(_))
    ));
}

#[tokio::test]
async fn a_variation_parent_offers_its_children() {
    let (service, _store, _clock) = setup();
    // The parent has no price of its own: its variations are the choice.
    let family = service
        .variation_choices(product("B0PARENT00"))
        .await
        .expect("choices")
        .expect("a family");
    assert_eq!(family.items[0].asin.as_str(), CHILD);
    // A priced product is watched as it is.
    assert!(
        service
            .variation_choices(product(PHONE))
            .await
            .expect("choices")
            .is_none()
    );
}

#[tokio::test]
async fn resume_unreachable_resumes_only_the_watches_paused_while_the_user_was_unreachable() {
    let (service, store, clock) = setup();
    let users = mandi_core::users::UserService::new(store.clone(), clock.clone());
    let user = service
        .user(ExternalIdentity::new("cli", "local"), None)
        .await
        .expect("user");
    let mut ids = Vec::new();
    for asin in [PHONE, CHILD] {
        let added = service
            .add(&user, product(asin), WatchSpec::default())
            .await
            .expect("add");
        ids.push(added.watch.id);
    }
    // One paused deliberately, then the user cannot be reached.
    service.pause(&user, ids[0]).await.expect("pause");
    assert_eq!(
        service
            .paused_unreachable_count(&user)
            .await
            .expect("count"),
        0
    );
    users.deactivate(&user).await.expect("deactivate");
    assert_eq!(
        service
            .paused_unreachable_count(&user)
            .await
            .expect("count"),
        1
    );
    let user = users.reactivate(&user).await.expect("reactivate");
    assert_eq!(service.resume_unreachable(&user).await.expect("resume"), 1);
    assert_eq!(
        service.get(&user, ids[0]).await.expect("get").state,
        WatchState::Paused
    );
    assert_eq!(
        service.get(&user, ids[1]).await.expect("get").state,
        WatchState::Active
    );
    assert_eq!(
        service
            .paused_unreachable_count(&user)
            .await
            .expect("count"),
        0
    );
    assert_eq!(service.resume_unreachable(&user).await.expect("resume"), 0);
}
