#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A seeded random generator whose streams are the same on every run,
/// machine and thread count: element i of a draw is a pure function of the
/// seed and the generator's counter plus i.
///
/// The algorithm, so that any language can reproduce a stream:
///
/// - The key of Philox4x32-10 (Random123) is the seed, low 32 bits first.
///   A draw made when the counter is `c` gives its element i the stream
///   position e = c + i (mod 2⁶⁴) and advances the counter by its size.
///   Position e reads half e & 1 of block b = e >> 1, the block of counter
///   words (lo32(b), hi32(b), 0, 0) with output words w0…w3: half 0 is the
///   64-bit word x = w1·2³² + w0, half 1 is x = w3·2³² + w2.
/// - uniform float64: u = (x >> 11) · 2⁻⁵³, in [0, 1); float32: the top 24
///   bits of w0 (half 0) or w2 (half 1), times 2⁻²⁴. The value is
///   low + (high − low) · u, computed in float64 and rounded to the dtype.
/// - normal: Box–Muller on the block, u1 from (w0, w1) and u2 from (w2, w3)
///   as for uniform float64, r = sqrt(−2 ln(1 − u1)): half 0 is
///   r · cos(2π u2), half 1 is r · sin(2π u2); then loc + scale · z,
///   rounded to the dtype.
/// - integers in [low, high): with r = high − low, the candidates are the
///   position's x, then its half of the blocks with third counter word
///   1, 2, …; the first whose 128-bit product x · r has a low half of at
///   least (2⁶⁴ − r) mod r gives low + (high half) (Lemire's method,
///   unbiased).
/// - bernoulli(p): true where the uniform float64 u of the position is < p.
/// - permutation(n): the indices 0..<n sorted stably by the x of each
///   position (ties, astronomically rare, keep index order).
public struct Generator: Sendable {
    public let seed: UInt64
    /// The stream position the next draw starts at.
    public var counter: UInt64

    public init(seed: UInt64, counter: UInt64 = 0) {
        self.seed = seed
        self.counter = counter
    }

    /// Advances the counter past a draw of `count` elements.
    private mutating func advance(by count: Int) {
        counter &+= UInt64(count)
    }

    public mutating func uniform(low: Double = 0, high: Double = 1, shape: [Int], dtype: DType = .float64) throws -> Tensor {
        let out = try Random.uniform(seed: seed, counter: counter, low: low, high: high, shape: shape, dtype: dtype)
        advance(by: out.value?.count ?? 0)
        return out
    }

    public mutating func normal(mean: Double = 0, standardDeviation: Double = 1, shape: [Int],
                                dtype: DType = .float64) throws -> Tensor {
        let out = try Random.normal(seed: seed, counter: counter, mean: mean, standardDeviation: standardDeviation,
                                    shape: shape, dtype: dtype)
        advance(by: out.value?.count ?? 0)
        return out
    }

    public mutating func integers(low: Int64, high: Int64, shape: [Int], dtype: DType = .int64) throws -> Tensor {
        let out = try Random.integers(seed: seed, counter: counter, low: low, high: high, shape: shape, dtype: dtype)
        advance(by: out.value?.count ?? 0)
        return out
    }

    public mutating func bernoulli(_ p: Double, shape: [Int], dtype: DType = .bool) throws -> Tensor {
        let out = try Random.bernoulli(seed: seed, counter: counter, p: p, shape: shape, dtype: dtype)
        advance(by: out.value?.count ?? 0)
        return out
    }

    /// A random ordering of 0..<n, as int64.
    public mutating func permutation(_ n: Int) throws -> Tensor {
        let out = try Random.permutation(seed: seed, counter: counter, n)
        advance(by: n)
        return out
    }

    /// `x` with its first axis randomly reordered (differentiable).
    public mutating func permutation(of x: Tensor) throws -> Tensor {
        let out = try Random.permutation(seed: seed, counter: counter, of: x)
        advance(by: x.shape.first.flatMap { $0 } ?? 0)
        return out
    }
}

/// The generator's draws as pure functions of (seed, counter): what the C
/// ABI calls, leaving the counter to the caller.
public enum Random {
    /// A new array for a draw, its shape checked.
    static func checkedShape(_ shape: [Int], _ dtype: DType, _ op: String) throws -> NDArray {
        try NDArray.uninitialized(dtype, shape, op)
    }

    public static func uniform(seed: UInt64, counter: UInt64, low: Double, high: Double, shape: [Int],
                               dtype: DType) throws -> Tensor {
        let op = "uniform"
        guard dtype.kind == .realFloating else { throw unsupported(op, dtype) }
        guard low.isFinite, high.isFinite, low <= high else {
            throw SwiftGradError.value(op, "needs finite low <= high, got \(low) and \(high)")
        }
        let out = try checkedShape(shape, dtype, op)
        let philox = Philox4x32(seed: seed), width = high - low
        if dtype == .float32 {
            fillPairs(out.pointer(Float.self), count: out.count, start: counter) { b in
                let w = philox.block(at: b)
                return (Float(low + width * Double(unitFloat(w.0))), Float(low + width * Double(unitFloat(w.2))))
            }
        } else {
            fillPairs(out.pointer(Double.self), count: out.count, start: counter) { b in
                let w = philox.block(at: b)
                return (low + width * unitDouble(joined(w.0, w.1)), low + width * unitDouble(joined(w.2, w.3)))
            }
        }
        return Tensor(out)
    }

    public static func normal(seed: UInt64, counter: UInt64, mean: Double, standardDeviation: Double,
                              shape: [Int], dtype: DType) throws -> Tensor {
        let op = "normal"
        guard dtype.kind == .realFloating else { throw unsupported(op, dtype) }
        guard mean.isFinite, standardDeviation.isFinite, standardDeviation >= 0 else {
            throw SwiftGradError.value(op, "needs a finite mean and scale >= 0, got \(mean) and \(standardDeviation)")
        }
        let out = try checkedShape(shape, dtype, op)
        let philox = Philox4x32(seed: seed)
        @inline(__always) func pair(_ b: UInt64) -> (Double, Double) {
            let w = philox.block(at: b)
            let u1 = unitDouble(joined(w.0, w.1)), u2 = unitDouble(joined(w.2, w.3))
            let r = (-2 * Glibc.log(1 - u1)).squareRoot(), theta = 2 * Double.pi * u2
            return (mean + standardDeviation * r * Glibc.cos(theta), mean + standardDeviation * r * Glibc.sin(theta))
        }
        if dtype == .float32 {
            fillPairs(out.pointer(Float.self), count: out.count, start: counter) { b in
                let (z0, z1) = pair(b)
                return (Float(z0), Float(z1))
            }
        } else {
            fillPairs(out.pointer(Double.self), count: out.count, start: counter, pair)
        }
        return Tensor(out)
    }

    public static func integers(seed: UInt64, counter: UInt64, low: Int64, high: Int64, shape: [Int],
                                dtype: DType) throws -> Tensor {
        let op = "integers"
        guard let limits = dtype.integerLimits else { throw unsupported(op, dtype) }
        guard low < high else { throw SwiftGradError.value(op, "needs low < high, got \(low) and \(high)") }
        guard low >= limits.min, high <= 0 || UInt64(high - 1) <= limits.max else {
            throw SwiftGradError.value(op, "[\(low), \(high)) does not fit \(dtype)")
        }
        let out = try checkedShape(shape, dtype, op)
        let philox = Philox4x32(seed: seed)
        let range = UInt64(bitPattern: high) &- UInt64(bitPattern: low)
        let threshold = (0 &- range) % range
        // The value of candidate x, or nil when x is rejected.
        @inline(__always) func accept(_ x: UInt64) -> Int64? {
            let product = x.multipliedFullWidth(by: range)
            return product.low >= threshold ? Int64(bitPattern: UInt64(bitPattern: low) &+ product.high) : nil
        }
        // Rejections (rare) draw the same half of later blocks.
        func redraw(_ b: UInt64, _ half: Int) -> Int64 {
            var attempt: UInt32 = 1
            while true {
                let w = philox.block(at: b, draw: attempt)
                if let v = accept(half == 0 ? joined(w.0, w.1) : joined(w.2, w.3)) { return v }
                attempt &+= 1
            }
        }
        try dtype.dispatch(FillIntegers(out: out, start: counter) { b in
            let w = philox.block(at: b)
            return (accept(joined(w.0, w.1)) ?? redraw(b, 0), accept(joined(w.2, w.3)) ?? redraw(b, 1))
        })
        return Tensor(out)
    }

    private struct FillIntegers: ElementVisitor {
        let out: NDArray, start: UInt64, pair: (UInt64) -> (Int64, Int64)
        func visit<T: Element>(_: T.Type) {
            fillPairs(out.pointer(T.self), count: out.count, start: start) { b in
                let (x, y) = pair(b)
                return (T(.int(x)), T(.int(y)))
            }
        }
    }

    public static func bernoulli(seed: UInt64, counter: UInt64, p: Double, shape: [Int], dtype: DType) throws -> Tensor {
        let op = "bernoulli"
        guard p >= 0, p <= 1 else { throw SwiftGradError.value(op, "p must be in [0, 1], got \(p)") }
        guard dtype.kind != .complexFloating else { throw unsupported(op, dtype) }
        let out = try checkedShape(shape, .bool, op)
        let philox = Philox4x32(seed: seed)
        fillPairs(out.pointer(Bool.self), count: out.count, start: counter) { b in
            let w = philox.block(at: b)
            return (unitDouble(joined(w.0, w.1)) < p, unitDouble(joined(w.2, w.3)) < p)
        }
        return try Tensor(out).cast(to: dtype)
    }

    public static func permutation(seed: UInt64, counter: UInt64, _ n: Int) throws -> Tensor {
        let op = "permutation"
        let out = try checkedShape([n], .int64, op)
        let philox = Philox4x32(seed: seed)
        var keys = [UInt64](repeating: 0, count: n)
        keys.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            fillPairs(base, count: n, start: counter) { b in
                let w = philox.block(at: b)
                return (joined(w.0, w.1), joined(w.2, w.3))
            }
        }
        // A stable sort: equal keys keep index order.
        var sorter = LaneSorter(count: n)
        keys.withUnsafeBufferPointer { k in sorter.sort { k[$0] } }
        let p = out.pointer(Int64.self)
        for i in 0..<n { p[i] = Int64(sorter.order[i]) }
        return Tensor(out)
    }

    /// `x` with its first axis reordered by `permutation(n)`.
    public static func permutation(seed: UInt64, counter: UInt64, of x: Tensor) throws -> Tensor {
        let op = "permutation"
        guard x.rank >= 1, let value = x.value else {
            throw SwiftGradError.value(op, "needs a concrete tensor of at least 1 dimension, got \(x.summary)")
        }
        let order = try permutation(seed: seed, counter: counter, value.shape[0]).scalars ?? []
        // The order along axis 0, repeated across the other axes.
        let indices = try NDArray.uninitialized(.int64, value.shape, op)
        let inner = value.shape[0] == 0 ? 0 : value.count / value.shape[0]
        let p = indices.pointer(Int64.self)
        for (i, k) in order.enumerated() {
            for j in 0..<inner { p[i * inner + j] = Int64(k) }
        }
        return try x.gathered(along: 0, by: Tensor(indices))
    }
}

/// A distribution a symbolic draw (`Random.draw`) samples.
public enum RandomDistribution: Hashable, Sendable {
    case uniform(low: Double, high: Double)
    case normal(mean: Double, standardDeviation: Double)
    /// Integers in [low, high).
    case integers(low: Int64, high: Int64)
    case bernoulli(p: Double)
}

extension Random {
    /// A draw whose seed and counter are read from `state`, a uint64
    /// tensor (seed, counter), when the graph runs: the random variables of
    /// Theano's RandomStreams, whose state is a shared variable that each
    /// call advances (see ``Tensor/setDefaultUpdate(_:)``).
    public static func draw(_ distribution: RandomDistribution, state: Tensor, shape: [Int], dtype: DType) throws -> Tensor {
        let draw = RandomDraw(distribution: distribution, shape: shape, dtype: dtype)
        // Checks the shape, parameters and dtype once, while the graph is built.
        _ = try checkedCount(shape, itemSize: dtype.itemSize, "random")
        _ = try draw.sample(seed: 0, counter: 0, shape: shape.map { _ in 0 })
        return try Tensor.apply(draw, state)
    }
}

struct RandomDraw: Primitive {
    let distribution: RandomDistribution
    let shape: [Int]
    let dtype: DType
    var name: String { "random" }

    func outputType(_ inputs: [TensorType]) throws -> TensorType {
        guard inputs[0].dtype == .uint64, inputs[0].shape.count == 1, inputs[0].shape[0] ?? 2 == 2 else {
            throw SwiftGradError.type(name, "the state must be a uint64 tensor (seed, counter), got \(inputs[0].dtype) \(describe(inputs[0].shape))")
        }
        return TensorType(dtype, shape)
    }

    func sample(seed: UInt64, counter: UInt64, shape: [Int]) throws -> NDArray {
        let t: Tensor
        switch distribution {
        case let .uniform(low, high):
            t = try Random.uniform(seed: seed, counter: counter, low: low, high: high, shape: shape, dtype: dtype)
        case let .normal(mean, deviation):
            t = try Random.normal(seed: seed, counter: counter, mean: mean, standardDeviation: deviation, shape: shape, dtype: dtype)
        case let .integers(low, high):
            t = try Random.integers(seed: seed, counter: counter, low: low, high: high, shape: shape, dtype: dtype)
        case let .bernoulli(p):
            t = try Random.bernoulli(seed: seed, counter: counter, p: p, shape: shape, dtype: dtype)
        }
        guard let value = t.value else { throw SwiftGradError.internal(name, "a draw has no value") }
        return value
    }

    func evaluate(_ inputs: [NDArray], into out: NDArray) throws {
        guard inputs[0].count == 2, case .uint(let seed) = inputs[0].elements[0],
              case .uint(let counter) = inputs[0].elements[1] else {
            throw SwiftGradError.value(name, "the state must hold (seed, counter), got shape \(describe(inputs[0].shape))")
        }
        try convert(sample(seed: seed, counter: counter, shape: shape), into: out)
    }

    // Draws do not move with their state.
    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? { nil }
}
