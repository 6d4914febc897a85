//! Association types (HUBSPOT_DEFINED, direction-specific ids) and the
//! association store. Each association is stored once in its canonical
//! direction on disk; in memory an adjacency map holds both directions so a
//! record's associations are found from either end with the reverse type id.

use super::kinds::ObjectKind;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// One direction of an association type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssocType {
    /// From object.
    pub from: ObjectKind,
    /// To object.
    pub to: ObjectKind,
    /// Type id in this direction.
    pub id: u32,
    /// Type id of the reverse direction.
    pub reverse: u32,
    /// Label (`None` for the unlabeled default type).
    pub label: Option<&'static str>,
    /// A record may hold this type towards at most one record (Primary).
    pub single: bool,
    /// Stored direction.
    pub canonical: bool,
    /// Also a labelled variant exists on the pair (names the unlabeled type
    /// `…_unlabeled` in v3 association listings).
    pub has_labelled_sibling: bool,
}

impl AssocType {
    /// The v3 `type` string (`contact_to_company`, `contact_to_company_unlabeled`).
    pub fn v3_name(&self) -> String {
        let base = format!("{}_to_{}", self.from.singular(), self.to.singular());
        if self.label.is_none() && self.has_labelled_sibling {
            format!("{base}_unlabeled")
        } else {
            base
        }
    }
}

use ObjectKind::*;

/// One row of the type table: (from, to, id, reverse id, label, single-per-from).
type PairRow = (ObjectKind, ObjectKind, u32, u32, Option<&'static str>, bool);

const PAIRS: [PairRow; 15] = [
    (Contacts, Companies, 279, 280, None, false),
    (Contacts, Companies, 1, 2, Some("Primary"), true),
    (Deals, Contacts, 3, 4, None, false),
    (Deals, Companies, 341, 342, None, false),
    (Deals, Companies, 5, 6, Some("Primary"), true),
    (Deals, LineItems, 19, 20, None, false),
    (Deals, Quotes, 63, 64, None, false),
    (Quotes, LineItems, 67, 68, None, false),
    (Quotes, Contacts, 69, 70, None, false),
    (Quotes, Companies, 71, 72, None, false),
    (Invoices, Deals, 175, 176, None, false),
    (Invoices, Contacts, 177, 178, None, false),
    (Invoices, Companies, 179, 180, None, false),
    (Invoices, Quotes, 407, 408, None, false),
    (Invoices, LineItems, 409, 410, None, false),
];

/// Every HUBSPOT_DEFINED association type, both directions.
pub fn all_types() -> &'static [AssocType] {
    static TYPES: std::sync::OnceLock<Vec<AssocType>> = std::sync::OnceLock::new();
    TYPES.get_or_init(build_types)
}

fn build_types() -> Vec<AssocType> {
    let labelled = |a: ObjectKind, b: ObjectKind| {
        PAIRS
            .iter()
            .any(|p| p.4.is_some() && ((p.0, p.1) == (a, b) || (p.0, p.1) == (b, a)))
    };
    let mut out = Vec::with_capacity(PAIRS.len() * 2);
    for &(a, b, id, rev, label, single) in &PAIRS {
        let sib = labelled(a, b);
        out.push(AssocType {
            from: a,
            to: b,
            id,
            reverse: rev,
            label,
            single,
            canonical: true,
            has_labelled_sibling: sib,
        });
        out.push(AssocType {
            from: b,
            to: a,
            id: rev,
            reverse: id,
            label,
            single: false,
            canonical: false,
            has_labelled_sibling: sib,
        });
    }
    out
}

/// The type with `id` in the direction `from → to`.
pub fn find_type(from: ObjectKind, to: ObjectKind, id: u32) -> Option<&'static AssocType> {
    all_types()
        .iter()
        .find(|t| t.from == from && t.to == to && t.id == id)
}

/// The type with `id` regardless of direction.
pub fn type_by_id(id: u32) -> Option<&'static AssocType> {
    all_types().iter().find(|t| t.id == id)
}

/// The default (unlabeled) type `from → to`, if the pair is associable.
pub fn default_type(from: ObjectKind, to: ObjectKind) -> Option<&'static AssocType> {
    all_types()
        .iter()
        .find(|t| t.from == from && t.to == to && t.label.is_none())
}

/// The types in direction `from → to`.
pub fn types_between(from: ObjectKind, to: ObjectKind) -> Vec<&'static AssocType> {
    all_types()
        .iter()
        .filter(|t| t.from == from && t.to == to)
        .collect()
}

/// A record in the association graph.
pub type Node = (ObjectKind, u64);

/// One stored association (canonical direction).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edge(pub ObjectKind, pub u64, pub ObjectKind, pub u64, pub u32);

/// The association store.
#[derive(Debug, Default, Clone)]
pub struct Assocs {
    adj: BTreeMap<Node, BTreeMap<Node, BTreeSet<u32>>>,
}

impl Assocs {
    /// Rebuild from stored edges (unknown type ids are skipped).
    pub fn from_edges(edges: Vec<Edge>) -> Self {
        let mut a = Assocs::default();
        for Edge(fk, fi, tk, ti, id) in edges {
            if let Some(t) = find_type(fk, tk, id) {
                a.insert_raw((fk, fi), (tk, ti), t);
            }
        }
        a
    }

    /// Stored edges, canonical direction, deterministic order.
    pub fn edges(&self) -> Vec<Edge> {
        let canon: BTreeMap<u32, bool> = all_types().iter().map(|t| (t.id, t.canonical)).collect();
        let mut out = Vec::new();
        for (from, tos) in &self.adj {
            for (to, ids) in tos {
                for id in ids {
                    if canon.get(id).copied().unwrap_or(false) {
                        out.push(Edge(from.0, from.1, to.0, to.1, *id));
                    }
                }
            }
        }
        out
    }

    fn insert_raw(&mut self, from: Node, to: Node, t: &AssocType) {
        self.adj
            .entry(from)
            .or_default()
            .entry(to)
            .or_default()
            .insert(t.id);
        self.adj
            .entry(to)
            .or_default()
            .entry(from)
            .or_default()
            .insert(t.reverse);
    }

    fn remove_raw(&mut self, from: Node, to: Node, id: u32, reverse: u32) {
        for (a, b, i) in [(from, to, id), (to, from, reverse)] {
            if let Some(m) = self.adj.get_mut(&a) {
                if let Some(s) = m.get_mut(&b) {
                    s.remove(&i);
                    if s.is_empty() {
                        m.remove(&b);
                    }
                }
                if m.is_empty() {
                    self.adj.remove(&a);
                }
            }
        }
    }

    /// Add type `t` (direction `from → to`). A labelled type also adds the
    /// unlabeled one; a single-valued type (Primary) moves off any other record.
    pub fn add(&mut self, from: Node, to: Node, t: &AssocType) {
        if t.single {
            let others: Vec<Node> = self
                .adj
                .get(&from)
                .map(|m| {
                    m.iter()
                        .filter(|(n, ids)| n.0 == to.0 && **n != to && ids.contains(&t.id))
                        .map(|(n, _)| *n)
                        .collect()
                })
                .unwrap_or_default();
            for o in others {
                self.remove_raw(from, o, t.id, t.reverse);
            }
        }
        if t.label.is_some()
            && let Some(d) = default_type(from.0, to.0)
        {
            self.insert_raw(from, to, d);
        }
        self.insert_raw(from, to, t);
    }

    /// Remove type `t` (direction `from → to`). Removing the unlabeled type
    /// removes every type between the pair.
    pub fn remove(&mut self, from: Node, to: Node, t: &AssocType) {
        if t.label.is_none() {
            self.remove_all(from, to);
        } else {
            self.remove_raw(from, to, t.id, t.reverse);
        }
    }

    /// Remove every association between two records.
    pub fn remove_all(&mut self, from: Node, to: Node) {
        let ids: Vec<u32> = self
            .between(from, to)
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default();
        for id in ids {
            if let Some(t) = find_type(from.0, to.0, id) {
                self.remove_raw(from, to, t.id, t.reverse);
            }
        }
    }

    /// Type ids `from → to` between two records.
    pub fn between(&self, from: Node, to: Node) -> Option<&BTreeSet<u32>> {
        self.adj.get(&from).and_then(|m| m.get(&to))
    }

    /// Records of kind `to` associated with `from`, ascending id, with the
    /// type ids in the `from → to` direction.
    pub fn neighbors(
        &self,
        from: Node,
        to: ObjectKind,
    ) -> impl Iterator<Item = (u64, &BTreeSet<u32>)> + '_ {
        self.adj
            .get(&from)
            .into_iter()
            .flat_map(move |m| m.range((to, 0)..=(to, u64::MAX)))
            .map(|(n, ids)| (n.1, ids))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_reference_ids() {
        let t = find_type(Invoices, LineItems, 409).unwrap();
        assert_eq!(t.reverse, 410);
        assert_eq!(find_type(Companies, Contacts, 280).unwrap().reverse, 279);
        assert_eq!(default_type(Contacts, Companies).unwrap().id, 279);
        assert_eq!(default_type(Companies, Deals).unwrap().id, 342);
        assert!(default_type(Products, LineItems).is_none());
        assert_eq!(
            find_type(Contacts, Companies, 1).unwrap().v3_name(),
            "contact_to_company"
        );
        assert_eq!(
            find_type(Contacts, Companies, 279).unwrap().v3_name(),
            "contact_to_company_unlabeled"
        );
        assert_eq!(
            find_type(Deals, Contacts, 3).unwrap().v3_name(),
            "deal_to_contact"
        );
    }

    #[test]
    fn stored_once_visible_both_ways_and_round_trips() {
        let mut a = Assocs::default();
        let primary = find_type(Contacts, Companies, 1).unwrap();
        a.add((Contacts, 1), (Companies, 2), primary);
        let back: Vec<u32> = a
            .between((Companies, 2), (Contacts, 1))
            .unwrap()
            .iter()
            .copied()
            .collect();
        assert_eq!(back, vec![2, 280]);
        assert_eq!(a.edges().len(), 2);
        // a second primary company moves the label
        a.add((Contacts, 1), (Companies, 3), primary);
        let ids: Vec<u32> = a
            .between((Contacts, 1), (Companies, 2))
            .unwrap()
            .iter()
            .copied()
            .collect();
        assert_eq!(ids, vec![279]);
        let again = Assocs::from_edges(a.edges());
        assert_eq!(again.edges(), a.edges());
        // removing the unlabeled type removes everything on the pair
        a.remove(
            (Companies, 3),
            (Contacts, 1),
            find_type(Companies, Contacts, 280).unwrap(),
        );
        assert!(a.between((Contacts, 1), (Companies, 3)).is_none());
    }
}
