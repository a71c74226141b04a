//! The worker pool: pairs of connections (one per side, same snapshot).

use super::data::Conn;
use super::session::SideSessions;
use super::sides::Sides;
use std::future::Future;
use std::sync::Mutex;

/// Run `count` jobs on the worker pairs: each pair (one source and one target
/// connection, same snapshot) takes the next job from a shared queue until none
/// is left, so big and small jobs balance themselves. Results in job order.
pub async fn on_pairs<'a, T, F, Fut>(
    sessions: &'a Sides<SideSessions>,
    count: usize,
    job: F,
) -> Vec<Option<T>>
where
    F: Fn(usize, Sides<Conn<'a>>) -> Fut,
    Fut: Future<Output = T>,
{
    let next = Mutex::new(0usize);
    let results: Vec<Mutex<Option<T>>> = (0..count).map(|_| Mutex::new(None)).collect();
    let (src, tgt) = (&sessions.source, &sessions.target);
    let runners = src.workers.iter().zip(tgt.workers.iter()).map(|(s, t)| {
        let (next, results, job) = (&next, &results, &job);
        let conns = Sides::new(
            Conn {
                client: s,
                spec: &src.spec,
            },
            Conn {
                client: t,
                spec: &tgt.spec,
            },
        );
        async move {
            loop {
                let i = {
                    let mut n = next.lock().unwrap_or_else(|p| p.into_inner());
                    let i = *n;
                    *n += 1;
                    i
                };
                if i >= count {
                    break;
                }
                let r = job(i, conns).await;
                *results[i].lock().unwrap_or_else(|p| p.into_inner()) = Some(r);
            }
        }
    });
    futures_util::future::join_all(runners).await;
    results
        .into_iter()
        .map(|m| m.into_inner().unwrap_or_else(|p| p.into_inner()))
        .collect()
}
