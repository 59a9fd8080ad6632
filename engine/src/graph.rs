//! The dependency graph of a configuration: nodes are resources, edges point from a resource
//! to what it depends on.

use std::collections::BTreeMap;

use cairn_model::{Address, Config};
use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};

/// Resources and their dependencies.
#[derive(Debug)]
pub struct Graph {
    graph: DiGraph<Address, ()>,
    index: BTreeMap<Address, NodeIndex>,
}

/// A dependency cycle, its members in order.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("dependency cycle: {}", .members.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(" -> "))]
pub struct CycleError {
    pub members: Vec<Address>,
}

impl Graph {
    /// Builds the graph from references and `depends_on`. Dependencies on resources that are
    /// not in the configuration are ignored (the stack language reports them).
    pub fn new(config: &Config) -> Graph {
        let mut graph = DiGraph::new();
        let mut index = BTreeMap::new();
        for r in &config.resources {
            index.insert(r.address.clone(), graph.add_node(r.address.clone()));
        }
        for r in &config.resources {
            let from = index[&r.address];
            for dep in r.dependencies() {
                if let Some(&to) = index.get(&dep) {
                    graph.add_edge(from, to, ());
                }
            }
        }
        Graph { graph, index }
    }

    /// Resources ordered so that each comes after everything it depends on.
    pub fn order(&self) -> Result<Vec<Address>, CycleError> {
        // Tarjan yields strongly connected components in reverse topological order of the
        // edge direction, i.e. dependencies first.
        let mut out = Vec::new();
        for scc in tarjan_scc(&self.graph) {
            let cyclic = scc.len() > 1 || self.graph.contains_edge(scc[0], scc[0]);
            if cyclic {
                let mut members: Vec<Address> =
                    scc.iter().map(|&n| self.graph[n].clone()).collect();
                members.sort();
                return Err(CycleError { members });
            }
            out.push(self.graph[scc[0]].clone());
        }
        Ok(out)
    }

    /// `(from, to)` pairs: `from` depends on `to`.
    pub fn edges(&self) -> Vec<(Address, Address)> {
        let mut e: Vec<_> = self
            .graph
            .edge_indices()
            .filter_map(|e| self.graph.edge_endpoints(e))
            .map(|(a, b)| (self.graph[a].clone(), self.graph[b].clone()))
            .collect();
        e.sort();
        e
    }

    pub fn nodes(&self) -> impl Iterator<Item = &Address> {
        self.index.keys()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cairn_model::{Expr, Lifecycle, PathSeg, Reference, ResourceConfig};

    fn res(name: &str, deps: &[&str]) -> ResourceConfig {
        ResourceConfig {
            address: Address::new("t", name),
            attributes: deps
                .iter()
                .enumerate()
                .map(|(i, d)| {
                    (
                        format!("a{i}"),
                        Expr::Ref(Reference {
                            address: Address::new("t", *d),
                            path: vec![PathSeg::Key("id".into())],
                        }),
                    )
                })
                .collect(),
            depends_on: vec![],
            lifecycle: Lifecycle::default(),
            sensitive: Default::default(),
            provider: None,
        }
    }

    fn check(resources: &[(&str, &[&str])], expected: Result<&str, &str>) {
        let config = Config {
            resources: resources.iter().map(|(n, d)| res(n, d)).collect(),
            ..Config::default()
        };
        let got = Graph::new(&config).order().map(|o| {
            o.iter()
                .map(|a| a.name.clone())
                .collect::<Vec<_>>()
                .join(" ")
        });
        match (got, expected) {
            (Ok(o), Ok(e)) => assert_eq!(o, e),
            (Err(c), Err(e)) => assert_eq!(c.to_string(), e),
            (got, want) => panic!("got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn orders_dependencies_first_and_finds_cycles() {
        check(&[("c", &["b"]), ("b", &["a"]), ("a", &[])], Ok("a b c"));
        check(
            &[("a", &["b"]), ("b", &["a"]), ("c", &[])],
            Err("dependency cycle: t.a -> t.b"),
        );
    }
}
