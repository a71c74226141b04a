//! The same thing on both sides: a value per side, and one helper that runs
//! a step against the source and the target at once.

pub use crate::config::Side;
use std::future::Future;

/// One value per side.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sides<T> {
    pub source: T,
    pub target: T,
}

impl<T> Sides<T> {
    pub fn new(source: T, target: T) -> Sides<T> {
        Sides { source, target }
    }

    pub fn get(&self, side: Side) -> &T {
        match side {
            Side::Source => &self.source,
            Side::Target => &self.target,
        }
    }

    pub fn as_ref(&self) -> Sides<&T> {
        Sides::new(&self.source, &self.target)
    }

    pub fn map<U>(self, mut f: impl FnMut(T) -> U) -> Sides<U> {
        Sides::new(f(self.source), f(self.target))
    }

    /// Run `step` on both sides at once; the first error wins.
    pub async fn try_both<'a, U, E, F, Fut>(&'a self, step: F) -> Result<Sides<U>, E>
    where
        F: Fn(Side, &'a T) -> Fut,
        Fut: Future<Output = Result<U, E>>,
    {
        let (source, target) = tokio::try_join!(
            step(Side::Source, &self.source),
            step(Side::Target, &self.target)
        )?;
        Ok(Sides { source, target })
    }

    /// [`Sides::try_both`] with each side borrowed mutably.
    pub async fn try_both_mut<'a, U, E, F, Fut>(&'a mut self, step: F) -> Result<Sides<U>, E>
    where
        F: Fn(Side, &'a mut T) -> Fut,
        Fut: Future<Output = Result<U, E>>,
    {
        let (source, target) = tokio::try_join!(
            step(Side::Source, &mut self.source),
            step(Side::Target, &mut self.target)
        )?;
        Ok(Sides { source, target })
    }
}

impl<T> Sides<T> {
    /// Run `step` on both sides at once, each to its end whatever the other does.
    pub async fn both_mut<'a, U, F, Fut>(&'a mut self, step: F) -> Sides<U>
    where
        F: Fn(Side, &'a mut T) -> Fut,
        Fut: Future<Output = U>,
    {
        let (source, target) = tokio::join!(
            step(Side::Source, &mut self.source),
            step(Side::Target, &mut self.target)
        );
        Sides { source, target }
    }
}

impl<T: PartialEq> Sides<T> {
    pub fn agree(&self) -> bool {
        self.source == self.target
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn both_sides_run_and_the_first_error_wins() {
        let names = Sides::new("a", "b");
        let upper = names
            .try_both(|side, n| async move { Ok::<_, String>(format!("{}:{n}", side.as_str())) })
            .await;
        assert_eq!(upper, Ok(Sides::new("source:a".into(), "target:b".into())));
        let failed = names
            .try_both(|side, _| async move {
                match side {
                    Side::Source => Ok(1),
                    Side::Target => Err("target failed"),
                }
            })
            .await;
        assert_eq!(failed, Err("target failed"));
    }
}
