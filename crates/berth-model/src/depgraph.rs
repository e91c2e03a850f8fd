//! The one dependency-graph implementation of Berth: the loader's cycle check, the order of
//! `config --services`, the engine's start order and the docs' ranks all use it. Nodes are
//! indices `0..n`; each node lists the nodes it points to (for services, the services it
//! depends on), in the order that decides ties. Every walk is iterative (no recursion, so a
//! chain of 100,000 services does not overflow the stack) and linear in nodes and edges.

/// A directed graph on the nodes `0..n`, by the nodes each one points to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DepGraph {
    next: Vec<Vec<usize>>,
}

impl DepGraph {
    /// The graph whose node `i` points to `next[i]`; targets out of range are ignored.
    #[must_use]
    pub fn new(mut next: Vec<Vec<usize>>) -> DepGraph {
        let n = next.len();
        for targets in &mut next {
            targets.retain(|&t| t < n);
        }
        DepGraph { next }
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.next.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.next.is_empty()
    }

    /// Every node after the nodes it points to (a depth-first post-order, from each node in
    /// index order, its targets in their listed order): for services, each after its
    /// dependencies. An edge that closes a cycle is ignored.
    #[must_use]
    pub fn dependency_order(&self) -> Vec<usize> {
        let n = self.next.len();
        let mut seen = vec![false; n];
        let mut order = Vec::with_capacity(n);
        let mut stack: Vec<(usize, usize)> = Vec::new();
        for root in 0..n {
            if seen[root] {
                continue;
            }
            seen[root] = true;
            stack.push((root, 0));
            while let Some((node, at)) = stack.last_mut() {
                let node = *node;
                if let Some(&t) = self.next[node].get(*at) {
                    *at += 1;
                    if !seen[t] {
                        seen[t] = true;
                        stack.push((t, 0));
                    }
                } else {
                    order.push(node);
                    stack.pop();
                }
            }
        }
        order
    }

    /// The first cycle a depth-first walk meets (from each node in index order, targets in
    /// their listed order): its nodes from where it starts, that node again at the end.
    #[must_use]
    pub fn find_cycle(&self) -> Option<Vec<usize>> {
        const NEW: u8 = 0;
        const ON_STACK: u8 = 1;
        const DONE: u8 = 2;
        let n = self.next.len();
        let mut state = vec![NEW; n];
        let mut stack: Vec<(usize, usize)> = Vec::new();
        for root in 0..n {
            if state[root] != NEW {
                continue;
            }
            state[root] = ON_STACK;
            stack.push((root, 0));
            while let Some((node, at)) = stack.last_mut() {
                let node = *node;
                if let Some(&t) = self.next[node].get(*at) {
                    *at += 1;
                    match state[t] {
                        ON_STACK => {
                            let from = stack.iter().position(|f| f.0 == t).unwrap_or(0);
                            let mut cycle: Vec<usize> = stack[from..].iter().map(|f| f.0).collect();
                            cycle.push(t);
                            return Some(cycle);
                        }
                        NEW => {
                            state[t] = ON_STACK;
                            stack.push((t, 0));
                        }
                        _ => {}
                    }
                } else {
                    state[node] = DONE;
                    stack.pop();
                }
            }
        }
        None
    }

    /// The nodes in an order where every edge goes forward but those that close a cycle:
    /// Kahn's algorithm (sources first, in index order), restarted at the first node left
    /// when a cycle stops it. `edges` are `(from, to)` pairs; the second value says, for each,
    /// whether it goes forward in that order.
    #[must_use]
    pub fn topological_order(n: usize, edges: &[(usize, usize)]) -> (Vec<usize>, Vec<bool>) {
        let mut outgoing: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut indegree = vec![0usize; n];
        for &(from, to) in edges.iter().filter(|(f, t)| f != t && *f < n && *t < n) {
            outgoing[from].push(to);
            indegree[to] += 1;
        }
        let mut order: Vec<usize> = (0..n).filter(|&i| indegree[i] == 0).collect();
        let mut queued: Vec<bool> = indegree.iter().map(|&d| d == 0).collect();
        let mut k = 0;
        let mut restart = 0;
        loop {
            while k < order.len() {
                let v = order[k];
                k += 1;
                for &to in &outgoing[v] {
                    if queued[to] {
                        continue;
                    }
                    indegree[to] -= 1;
                    if indegree[to] == 0 {
                        queued[to] = true;
                        order.push(to);
                    }
                }
            }
            while restart < n && queued[restart] {
                restart += 1;
            }
            if restart == n {
                break;
            }
            queued[restart] = true;
            order.push(restart);
        }
        let mut position = vec![0usize; n];
        for (p, &v) in order.iter().enumerate() {
            position[v] = p;
        }
        let forward = edges
            .iter()
            .map(|&(from, to)| from < n && to < n && position[from] < position[to])
            .collect();
        (order, forward)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dependencies_come_first_and_cycles_are_found() {
        // 0 -> 1 -> 2, 3 -> 1.
        let g = DepGraph::new(vec![vec![1], vec![2], vec![], vec![1]]);
        assert_eq!(g.dependency_order(), [2, 1, 0, 3]);
        assert_eq!(g.find_cycle(), None);
        // 0 -> 1 -> 2 -> 1.
        let g = DepGraph::new(vec![vec![1], vec![2], vec![1]]);
        assert_eq!(g.find_cycle(), Some(vec![1, 2, 1]));
        assert_eq!(g.dependency_order(), [2, 1, 0]);
        // A self-loop is a cycle too.
        assert_eq!(DepGraph::new(vec![vec![0]]).find_cycle(), Some(vec![0, 0]));
    }

    #[test]
    fn a_long_chain_does_not_overflow_the_stack() {
        let n = 200_000;
        let g = DepGraph::new(
            (0..n)
                .map(|i| if i + 1 < n { vec![i + 1] } else { vec![] })
                .collect(),
        );
        let order = g.dependency_order();
        assert_eq!(order.first(), Some(&(n - 1)));
        assert_eq!(order.last(), Some(&0));
        assert_eq!(g.find_cycle(), None);
    }

    #[test]
    fn kahn_order_restarts_at_a_cycle() {
        // 0 -> 1 -> 2 -> 1, 3 alone.
        let (order, forward) = DepGraph::topological_order(4, &[(0, 1), (1, 2), (2, 1)]);
        assert_eq!(order, [0, 3, 1, 2]);
        assert_eq!(forward, [true, true, false]);
    }
}
