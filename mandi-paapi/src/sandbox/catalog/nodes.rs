//! The browse-node tree, shaped like amazon.in's. Top-level ids and the best-known nodes
//! (Smartphones 1805560031, Laptops 1375424031, Books 976389031…) follow amazon.in; deeper ids
//! are sandbox-made in the same numeric shape.

use std::collections::HashMap;

use mandi_core::{BrowseNode, BrowseNodeRef};

/// One row of the tree: id, name, parent id (`""` for a root).
type Row = (&'static str, &'static str, &'static str);

const TREE: &[Row] = &[
    // Electronics
    ("976419031", "Electronics", ""),
    ("1389401031", "Mobiles & Accessories", "976419031"),
    ("1389432031", "Smartphones & Basic Mobiles", "1389401031"),
    ("1805560031", "Smartphones", "1389432031"),
    ("1389433031", "Basic Mobiles", "1389432031"),
    ("1389375031", "Home Theater, TV & Video", "976419031"),
    ("1389396031", "Televisions", "1389375031"),
    ("15747864031", "Smart Televisions", "1389396031"),
    (
        "1388921031",
        "Headphones, Earbuds & Accessories",
        "976419031",
    ),
    ("14146392031", "True Wireless Earbuds", "1388921031"),
    ("1388963031", "Neckband Headphones", "1388921031"),
    ("1388962031", "Over-Ear Headphones", "1388921031"),
    ("1389365031", "Speakers", "976419031"),
    ("1389369031", "Bluetooth Speakers", "1389365031"),
    // Computers
    ("976392031", "Computers & Accessories", ""),
    ("1375424031", "Laptops", "976392031"),
    ("1375425031", "Traditional Laptops", "1375424031"),
    ("22963796031", "Gaming Laptops", "1375424031"),
    ("1375426031", "2 in 1 Laptops", "1375424031"),
    // Appliances
    ("5122348031", "Appliances", ""),
    ("1380369031", "Washing Machines", "5122348031"),
    ("1380372031", "Refrigerators", "5122348031"),
    ("3474656031", "Air Conditioners", "5122348031"),
    ("1380374031", "Water Purifiers", "5122348031"),
    // Home & Kitchen
    ("976442031", "Home & Kitchen", ""),
    ("1380263031", "Kitchen & Home Appliances", "976442031"),
    ("1380365031", "Small Kitchen Appliances", "1380263031"),
    ("4369221031", "Mixer Grinders", "1380365031"),
    ("4369222031", "Induction Cooktops", "1380365031"),
    ("4369223031", "Air Fryers", "1380365031"),
    ("4369224031", "Electric Kettles", "1380365031"),
    ("1380366031", "Irons", "1380263031"),
    ("5925789031", "Kitchen & Dining", "976442031"),
    ("1379989031", "Pressure Cookers", "5925789031"),
    // Books
    ("976389031", "Books", ""),
    ("1318158031", "Literature & Fiction", "976389031"),
    ("1318064031", "Business & Economics", "976389031"),
    (
        "1318161031",
        "Health, Family & Personal Development",
        "976389031",
    ),
    (
        "1318104031",
        "Biographies, Diaries & True Accounts",
        "976389031",
    ),
    ("1318068031", "Children's & Young Adult", "976389031"),
    ("1318128031", "Religion", "976389031"),
    ("4149751031", "Exam Preparation", "976389031"),
    ("4149752031", "School Books", "976389031"),
    // Fashion
    ("1571271031", "Clothing & Accessories", ""),
    ("1968024031", "Men", "1571271031"),
    ("1968093031", "Shirts", "1968024031"),
    ("1968120031", "T-Shirts & Polos", "1968024031"),
    ("1968076031", "Jeans", "1968024031"),
    ("1953602031", "Women", "1571271031"),
    ("1968255031", "Kurtas & Kurtis", "1953602031"),
    ("1968256031", "Sarees", "1953602031"),
    ("1571283031", "Shoes & Handbags", ""),
    ("1983518031", "Men's Shoes", "1571283031"),
    ("1983550031", "Sports Shoes", "1983518031"),
    ("1983396031", "Casual Shoes", "1983518031"),
    // Grocery
    ("2454178031", "Grocery & Gourmet Foods", ""),
    ("4859496031", "Staples", "2454178031"),
    ("4859498031", "Atta & Flours", "4859496031"),
    ("4859501031", "Rice & Rice Products", "4859496031"),
    ("4859497031", "Dals & Pulses", "4859496031"),
    ("4859499031", "Edible Oils", "4859496031"),
    ("4859470031", "Beverages", "2454178031"),
    ("4859480031", "Tea", "4859470031"),
    ("4859476031", "Coffee", "4859470031"),
    ("4859483031", "Snacks & Sweets", "2454178031"),
    // Beauty
    ("1355016031", "Beauty", ""),
    ("1374407031", "Skin Care", "1355016031"),
    ("1374414031", "Face Wash", "1374407031"),
    ("1374416031", "Serums", "1374407031"),
    ("1374418031", "Moisturisers & Sunscreens", "1374407031"),
    ("1374334031", "Hair Care", "1355016031"),
    ("1374353031", "Shampoos", "1374334031"),
    ("1374355031", "Hair Oils", "1374334031"),
    ("1374357031", "Make-up", "1355016031"),
    ("1374376031", "Lipsticks", "1374357031"),
    ("1374366031", "Foundations", "1374357031"),
];

/// One node of the built tree.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub(crate) id: &'static str,
    pub(crate) name: &'static str,
    pub(crate) parent: Option<usize>,
    pub(crate) children: Vec<usize>,
}

/// The browse-node tree.
#[derive(Debug, Clone)]
pub(crate) struct Tree {
    nodes: Vec<Node>,
    by_id: HashMap<&'static str, usize>,
}

impl Tree {
    /// Builds the tree from the table.
    pub(crate) fn new() -> Self {
        let by_id: HashMap<&'static str, usize> =
            TREE.iter().enumerate().map(|(i, r)| (r.0, i)).collect();
        let mut nodes: Vec<Node> = TREE
            .iter()
            .map(|&(id, name, parent)| Node {
                id,
                name,
                parent: by_id.get(parent).copied(),
                children: Vec::new(),
            })
            .collect();
        for i in 0..nodes.len() {
            if let Some(p) = nodes[i].parent {
                nodes[p].children.push(i);
            }
        }
        Self { nodes, by_id }
    }

    /// The index of a node id.
    pub(crate) fn index(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// The node at an index.
    pub(crate) fn node(&self, i: usize) -> &Node {
        &self.nodes[i]
    }

    /// The index of a node that must exist (the generator's constant ids); falls back to the
    /// first root so a typo cannot panic.
    pub(crate) fn must(&self, id: &str) -> usize {
        debug_assert!(self.by_id.contains_key(id), "unknown browse node {id}");
        self.index(id).unwrap_or(0)
    }

    /// Ancestors of a node, nearest first.
    pub(crate) fn ancestors(&self, i: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut cur = self.nodes[i].parent;
        while let Some(p) = cur {
            out.push(p);
            cur = self.nodes[p].parent;
        }
        out
    }

    /// The number of nodes.
    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }

    /// A reference to a node.
    pub(crate) fn reference(&self, i: usize) -> BrowseNodeRef {
        BrowseNodeRef {
            id: self.nodes[i].id.to_owned(),
            name: self.nodes[i].name.to_owned(),
        }
    }

    /// The full node with ancestors and children, and a sales rank when given.
    pub(crate) fn browse_node(&self, i: usize, sales_rank: Option<u32>) -> BrowseNode {
        let n = &self.nodes[i];
        BrowseNode {
            id: n.id.to_owned(),
            name: n.name.to_owned(),
            context_free_name: Some(self.context_free_name(i)),
            is_root: n.parent.is_none(),
            ancestors: self
                .ancestors(i)
                .into_iter()
                .map(|a| self.reference(a))
                .collect(),
            children: n.children.iter().map(|&c| self.reference(c)).collect(),
            sales_rank,
        }
    }

    /// The name with its root's for context (`Electronics: Smartphones`), like the API's
    /// context-free names.
    fn context_free_name(&self, i: usize) -> String {
        match self.ancestors(i).last() {
            Some(&root) => format!("{} {}", self.nodes[root].name, self.nodes[i].name),
            None => self.nodes[i].name.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smartphones_sit_under_electronics_like_on_amazon_in() {
        let t = Tree::new();
        let i = t.must("1805560031");
        let names: Vec<&str> = t.ancestors(i).iter().map(|&a| t.node(a).name).collect();
        assert_eq!(
            names,
            [
                "Smartphones & Basic Mobiles",
                "Mobiles & Accessories",
                "Electronics"
            ]
        );
    }

    #[test]
    fn every_parent_exists_and_ids_are_numeric_and_unique() {
        let t = Tree::new();
        assert_eq!(t.len(), TREE.len());
        for (id, _, parent) in TREE {
            assert!(id.bytes().all(|b| b.is_ascii_digit()));
            assert!(parent.is_empty() || t.index(parent).is_some(), "{parent}");
        }
    }
}
