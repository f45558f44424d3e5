//! Work spread over every core: the machines this runs on have two to
//! eight, and reading ten thousand contacts or rendering ten thousand
//! drafts is work that splits cleanly.

/// `f` of each item, in the items' order, on every core once there are at
/// least `at_least` items (fewer are not worth a thread).
pub fn map<'a, T: Sync, R: Send>(
    items: &'a [T],
    at_least: usize,
    f: impl Fn(&'a T) -> R + Sync,
) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads < 2 || items.len() < at_least.max(2) {
        return items.iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let parts: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(|| part.iter().map(&f).collect::<Vec<R>>()))
            .collect();
        parts
            .into_iter()
            // A panic in `f` is a bug; it goes on up as one.
            .flat_map(|p| p.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// `a` and `b` at once, `b` on a thread of its own.
pub fn both<A, B: Send>(a: impl FnOnce() -> A, b: impl FnOnce() -> B + Send) -> (A, B) {
    std::thread::scope(|scope| {
        let b = scope.spawn(b);
        let a = a();
        (a, b.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_items_order() {
        let items: Vec<u32> = (0..1000).collect();
        assert_eq!(
            map(&items, 2, |i| i * 2),
            (0..1000).map(|i| i * 2).collect::<Vec<_>>()
        );
        assert_eq!(map(&items[..1], 2, |i| i + 1), vec![1]);
        assert_eq!(map(&[] as &[u32], 2, |i| *i), Vec::<u32>::new());
    }

    #[test]
    fn both_runs_both() {
        assert_eq!(both(|| 1, || "two"), (1, "two"));
    }
}
