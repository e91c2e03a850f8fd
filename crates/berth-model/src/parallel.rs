//! Work split over two threads: the machines Berth targets have two cores, and a long list
//! (the services of a large project, the objects it becomes) halves its time on both. Short
//! lists stay on the calling thread, where a thread would cost more than it saves. Results
//! keep the order of the items; a panic on the other thread resumes on this one.

/// Runs `f` over the items, the first `split` items on this thread and the rest on another
/// (all on this thread when `split` is 0 or past the end), keeping the order of results.
pub fn map_split<T: Send, R: Send>(
    mut items: Vec<T>,
    split: usize,
    f: impl Fn(T) -> R + Sync,
) -> Vec<R> {
    if split == 0 || split >= items.len() {
        return items.into_iter().map(&f).collect();
    }
    let right = items.split_off(split);
    std::thread::scope(|scope| {
        let handle = scope.spawn(|| right.into_iter().map(&f).collect::<Vec<R>>());
        let mut out: Vec<R> = items.into_iter().map(&f).collect();
        match handle.join() {
            Ok(rest) => out.extend(rest),
            Err(panic) => std::panic::resume_unwind(panic),
        }
        out
    })
}

/// `f` of each half of `items`, the second half on another thread, in order; `f` of all of
/// them at once when there are fewer than `min`.
pub fn on_halves<T: Sync, R: Send>(
    items: &[T],
    min: usize,
    f: impl Fn(&[T]) -> R + Sync,
) -> Vec<R> {
    if items.len() < min.max(2) {
        return vec![f(items)];
    }
    let (left, right) = items.split_at(items.len() / 2);
    std::thread::scope(|scope| {
        let handle = scope.spawn(|| f(right));
        let first = f(left);
        match handle.join() {
            Ok(second) => vec![first, second],
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_order_of_the_items() {
        let items: Vec<u32> = (0..100).collect();
        assert_eq!(
            map_split(items.clone(), 30, |i| i * 2),
            (0..100).map(|i| i * 2).collect::<Vec<_>>()
        );
        assert_eq!(map_split(items.clone(), 0, |i| i), items);
        let halves = on_halves(&items, 64, <[u32]>::to_vec);
        assert_eq!(halves.len(), 2);
        assert_eq!(halves.concat(), items);
        assert_eq!(on_halves(&items[..10], 64, <[u32]>::len), vec![10]);
        assert_eq!(on_halves(&items[..0], 0, <[u32]>::len), vec![0]);
    }
}
