/// When a client refused as `overloaded` tries again: exponential backoff with jitter, a bounded
/// number of times. Pure: the caller supplies the random number and does the waiting.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts after the first.
    public var retries: Int
    /// The first delay, in seconds; each later one doubles, up to `cap`.
    public var base: Double
    public var cap: Double

    public init(retries: Int = 8, base: Double = 0.5, cap: Double = 30) {
        self.retries = max(0, retries); self.base = base; self.cap = cap
    }

    /// The wait before retry `n` (1-based), or nil when no retry is left. `random` in 0..<1
    /// spreads the clients refused together ("equal jitter": between half and all of the
    /// exponential delay), so they do not all come back at the same moment.
    public func delay(beforeRetry n: Int, random: Double) -> Double? {
        guard n >= 1, n <= retries else { return nil }
        let exponential = min(cap, base * Double(1 << min(n - 1, 30)))
        return exponential / 2 + exponential / 2 * min(max(random, 0), 1)
    }
}
