// Reshaping, slicing, gathering and joining. Slices and reshapes are views
// where strides allow; each primitive that reads part of its input has a
// partner that writes a cotangent back into zeros of the input's shape, and
// the two are each other's vjp, so gradients differentiate again.

// MARK: Reshape

/// A new shape over the same elements in row-major order; `spec` may hold
/// one -1, inferred from the input's size. A view when strides allow.
/// `copy`: nil copies only when needed, true always, false never (it fails).
struct Reshape: Primitive {
    let spec: [Int]
    let copy: Bool?
    var name: String { "reshape" }

    func outputType(_ inputs: [TensorType]) throws -> TensorType {
        TensorType(inputs[0].dtype, try resolveReshape(spec, from: inputs[0].shape, name))
    }

    func view(of inputs: [NDArray], _ output: TensorType) throws -> NDArray? {
        try reshapeView(inputs[0], to: output.knownShape(name), copy: copy, name)
    }

    func evaluate(_ inputs: [NDArray], into out: NDArray) throws { try copyReshaping(inputs[0], into: out) }

    // The vjp reads shapes only.
    func vjpReads(input i: Int) -> Bool { false }
    var vjpReadsResult: Bool { false }

    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? {
        try g.reshaped(like: inputs[0])
    }
}

/// Reshapes the first input to the second's shape, read at run time: the
/// gradient of a reshape whose input lengths are unknown while the graph is built.
struct ReshapeLike: Primitive {
    var name: String { "reshape" }

    func outputType(_ inputs: [TensorType]) throws -> TensorType {
        let x = inputs[0], target = inputs[1]
        if let a = knownCount(x.shape), let b = knownCount(target.shape), a != b {
            throw SwiftGradError.value(name, "cannot reshape \(describe(x.shape)) into \(describe(target.shape))")
        }
        return TensorType(x.dtype, target.shape)
    }

    func view(of inputs: [NDArray], _ output: TensorType) throws -> NDArray? {
        try reshapeView(inputs[0], to: output.knownShape(name), copy: nil, name)
    }

    func evaluate(_ inputs: [NDArray], into out: NDArray) throws { try copyReshaping(inputs[0], into: out) }

    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? {
        i == 0 ? try g.reshaped(like: inputs[0]) : nil
    }
}

private func knownCount(_ shape: [Int?]) -> Int? {
    var count = 1
    for n in shape {
        guard let n else { return nil }
        let (c, o) = count.multipliedReportingOverflow(by: n)
        if o { return nil }
        count = c
    }
    return count
}

/// The shape `spec` (with at most one -1) gives for an input of `shape`;
/// unknown while the input's lengths are.
func resolveReshape(_ spec: [Int], from shape: [Int?], _ op: String) throws -> [Int?] {
    let inferred = spec.indices.filter { spec[$0] == -1 }
    guard inferred.count <= 1, spec.allSatisfy({ $0 >= -1 }) else {
        throw SwiftGradError.value(op, "invalid shape \(describe(spec)): lengths must be non-negative, with at most one -1")
    }
    let rest = try checkedCount(spec.map { max($0, 1) }, op)
    let given = spec.contains(0) ? 0 : rest
    guard let total = knownCount(shape) else {
        return spec.map { $0 == -1 ? nil : $0 }
    }
    func impossible() -> SwiftGradError {
        SwiftGradError.value(op, "cannot reshape \(describe(shape)) into \(describe(spec))")
    }
    guard let i = inferred.first else {
        guard given == total else { throw impossible() }
        return spec.map(Optional.some)
    }
    guard given != 0, total % given == 0 else { throw impossible() }
    var result = spec.map(Optional.some)
    result[i] = total / given
    return result
}

/// `x` seen through `shape` without a copy, or nil where its strides do
/// not allow it (or `copy` asks for one).
func reshapeView(_ x: NDArray, to shape: [Int], copy: Bool?, _ op: String) throws -> NDArray? {
    if copy == true { return nil }
    if x.shape == shape { return x }
    if let strides = reshapedStrides(x.shape, x.strides, to: shape) {
        return try x.view(shape: shape, strides: strides, op)
    }
    if copy == false {
        throw SwiftGradError.value(op, "cannot reshape \(describe(x.shape)) with strides \(x.strides) into \(describe(shape)) without a copy")
    }
    return nil
}

/// Copies `x` in row-major order into `out`, which has as many elements.
func copyReshaping(_ x: NDArray, into out: NDArray) throws {
    let target = out.isContiguous && out.shape != x.shape
        ? try out.view(shape: x.shape, strides: contiguousStrides(x.shape), "reshape") : out
    try copyElements(x, into: target)
}

/// Strides that show the elements of an array of `shape` and `strides`
/// in row-major order as `newShape`, or nil if none do: each run of input
/// axes that merges into output axes must itself step evenly.
func reshapedStrides(_ shape: [Int], _ strides: [Int], to newShape: [Int]) -> [Int]? {
    if shape.contains(0) { return contiguousStrides(newShape) }
    let oldAxes = shape.indices.filter { shape[$0] != 1 }
    let lengths = oldAxes.map { shape[$0] }, steps = oldAxes.map { strides[$0] }
    let newAxes = newShape.indices.filter { newShape[$0] != 1 }
    let newLengths = newAxes.map { newShape[$0] }
    var newSteps = [Int](repeating: 0, count: newLengths.count)
    var i = 0, j = 0
    while i < lengths.count, j < newLengths.count {
        var a = lengths[i], b = newLengths[j], i2 = i + 1, j2 = j + 1
        while a != b {
            if a < b {
                guard i2 < lengths.count else { return nil }
                a *= lengths[i2]; i2 += 1
            } else {
                guard j2 < newLengths.count else { return nil }
                b *= newLengths[j2]; j2 += 1
            }
        }
        for k in i..<(i2 - 1) where steps[k] != steps[k + 1] &* lengths[k + 1] { return nil }
        newSteps[j2 - 1] = steps[i2 - 1]
        for k in stride(from: j2 - 2, through: j, by: -1) { newSteps[k] = newSteps[k + 1] &* newLengths[k + 1] }
        i = i2; j = j2
    }
    guard i == lengths.count, j == newLengths.count else { return nil }
    var result = [Int](repeating: 0, count: newShape.count)
    for (k, axis) in newAxes.enumerated() { result[axis] = newSteps[k] }
    return result
}

// MARK: Basic indexing

/// What one axis of a basic index keeps: a range with a step (NumPy's
/// clamping of start and stop), or one position, which drops the axis.
public enum AxisIndex: Hashable, Sendable {
    case range(start: Int?, stop: Int?, step: Int)
    case position(Int)

    static let all = AxisIndex.range(start: nil, stop: nil, step: 1)

    /// The first index and the number of elements a range takes from an
    /// axis of length `n` (Python's slice.indices).
    static func clamp(_ start: Int?, _ stop: Int?, _ step: Int, length n: Int) -> (first: Int, count: Int) {
        if step > 0 {
            func bound(_ v: Int?, _ fallback: Int) -> Int {
                guard let v else { return fallback }
                return v < 0 ? Swift.max(v + n, 0) : Swift.min(v, n)
            }
            let a = bound(start, 0), b = bound(stop, n)
            return (a, b > a ? (b - a - 1) / step + 1 : 0)
        }
        func bound(_ v: Int?, _ fallback: Int) -> Int {
            guard let v else { return fallback }
            return v < 0 ? Swift.max(v + n, -1) : Swift.min(v, n - 1)
        }
        let a = bound(start, n - 1), b = bound(stop, -1)
        return (a, b < a ? (b - a + 1) / step + 1 : 0)
    }
}

/// Checks position `i` against an axis of length `n` and wraps it.
func wrapPosition(_ i: Int, axis: Int, length n: Int, _ op: String) throws -> Int {
    guard i >= -n, i < n else {
        throw SwiftGradError.index(op, "index \(i) is out of bounds for axis \(axis) with size \(n)")
    }
    return i < 0 ? i + n : i
}

/// The basic index `items` (one per axis) of `x`, as a view.
func sliceView(_ x: NDArray, _ items: [AxisIndex], _ op: String) throws -> NDArray {
    var shape = [Int](), strides = [Int](), offset = x.offset
    for (axis, item) in items.enumerated() {
        let n = x.shape[axis], step = x.strides[axis]
        switch item {
        case .position(let i):
            offset &+= try wrapPosition(i, axis: axis, length: n, op) &* step
        case let .range(start, stop, by):
            let (first, count) = AxisIndex.clamp(start, stop, by, length: n)
            if count > 0 { offset &+= first &* step }
            shape.append(count)
            strides.append(count > 1 ? step &* by : 0)
        }
    }
    return try x.view(shape: shape, strides: strides, offset: offset, op)
}

/// Basic indexing: `items` has one entry per input axis. A view.
struct Slice: ViewPrimitive {
    let items: [AxisIndex]
    var name: String { "index" }

    func outputType(_ inputs: [TensorType]) throws -> TensorType {
        let x = inputs[0]
        guard items.count == x.rank else {
            throw SwiftGradError.internal(name, "\(items.count) indices for shape \(describe(x.shape))")
        }
        var shape = [Int?]()
        for (axis, item) in items.enumerated() {
            switch item {
            case .position(let i):
                if let n = x.shape[axis] { _ = try wrapPosition(i, axis: axis, length: n, name) }
            case let .range(start, stop, step):
                guard step != 0 else { throw SwiftGradError.value(name, "slice step cannot be zero") }
                shape.append(x.shape[axis].map { AxisIndex.clamp(start, stop, step, length: $0).count })
            }
        }
        return TensorType(x.dtype, shape)
    }

    func view(of inputs: [NDArray], _ output: TensorType) throws -> NDArray? {
        try sliceView(inputs[0], items, name)
    }

    // The vjp reads shapes only.
    func vjpReads(input i: Int) -> Bool { false }
    var vjpReadsResult: Bool { false }

    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? {
        try Tensor.apply(SliceScatter(items: items), g, inputs[0])
    }
}

/// Zeros of the second input's shape with the first written into the
/// basic index `items`: the transpose of `Slice`.
struct SliceScatter: Primitive {
    let items: [AxisIndex]
    var name: String { "index_scatter" }

    func outputType(_ inputs: [TensorType]) throws -> TensorType {
        TensorType(inputs[0].dtype, inputs[1].shape)
    }

    func evaluate(_ inputs: [NDArray], into out: NDArray) throws {
        try convert(NDArray.filled(.int(0), out.dtype, [], name), into: out)
        let part = try sliceView(out, items, name)
        guard part.shape == inputs[0].shape else {
            throw SwiftGradError.value(name, "cannot write shape \(describe(inputs[0].shape)) into \(describe(part.shape))")
        }
        try copyElements(inputs[0], into: part)
    }

    // The vjp reads shapes only.
    func vjpReads(input i: Int) -> Bool { false }
    var vjpReadsResult: Bool { false }

    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? {
        i == 0 ? try Tensor.apply(Slice(items: items), g) : nil
    }
}

// MARK: Gather and scatter

/// The index arrays' common shape (NumPy broadcasting).
private func indexShape(_ indices: ArraySlice<TensorType>, _ op: String) throws -> [Int?] {
    var shape = [Int?]()
    for index in indices {
        guard index.dtype.isInteger else {
            throw SwiftGradError.type(op, "index arrays must have an integer dtype, not \(index.dtype)")
        }
        shape = try broadcastIndexShapes(shape, index.shape, op)
    }
    return shape
}

/// NumPy's broadcasting of index arrays; a mismatch is an index error.
private func broadcastIndexShapes(_ a: [Int?], _ b: [Int?], _ op: String) throws -> [Int?] {
    do {
        return try broadcastShapes(a, b, op)
    } catch {
        throw SwiftGradError.index(op, "shape mismatch: index arrays of shapes \(describe(a)) and \(describe(b)) cannot be broadcast together")
    }
}

/// Index arrays broadcast to one shape, read as offsets into `shape`/`strides`.
func indexOffsets(_ indices: ArraySlice<NDArray>, shape: [Int], strides: [Int], _ op: String,
                  axes: [Int]? = nil) throws -> (shape: [Int], offsets: [Int]) {
    var common = [Int?]()
    for index in indices { common = try broadcastIndexShapes(common, index.shape.map(Optional.some), op) }
    let known = common.map { $0 ?? 1 }
    let expanded = try indices.map { index -> NDArray in
        try index.view(shape: known, strides: broadcastStrides(index, to: known), op)
    }
    return (known, try gatherOffsets(expanded, shape: shape, strides: strides, op, axes: axes))
}

/// `x[i1, …, ik]` for integer arrays on x's first k axes (inputs 1…k),
/// broadcast together: NumPy's integer-array indexing.
struct Gather: Primitive {
    /// The axes the caller indexed, for error messages (nil: 0…k-1).
    var axes: [Int]? = nil
    var name: String { "take" }

    func outputType(_ inputs: [TensorType]) throws -> TensorType {
        let x = inputs[0], k = inputs.count - 1
        guard k >= 1, k <= x.rank else {
            throw SwiftGradError.index(name, "\(k) index arrays for a tensor of dimension \(x.rank)")
        }
        return TensorType(x.dtype, try indexShape(inputs[1...], name) + x.shape[k...])
    }

    func evaluate(_ inputs: [NDArray], into out: NDArray) throws {
        let x = inputs[0], k = inputs.count - 1
        if k == 1 {
            let index = inputs[1].dtype == .int64 && inputs[1].isContiguous ? inputs[1] : try inputs[1].converted(to: .int64, name)
            return try gatherFirstAxis(x, index, into: out, axis: axes?.first ?? 0, name)
        }
        let (_, offsets) = try indexOffsets(inputs[1...], shape: x.shape, strides: x.strides, name, axes: axes)
        try gather(x, indexedAxes: k, offsets: offsets, into: out)
    }

    // The vjp reads the indices (or condition), the rest for shapes.
    func vjpReads(input i: Int) -> Bool { i > 0 }
    var vjpReadsResult: Bool { false }

    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? {
        i == 0 ? try Tensor.apply(ScatterAdd(), [g] + inputs[1...] + [inputs[0]]) : nil
    }
}

/// Zeros of the last input's shape, plus the first input's blocks added at
/// the places the index arrays between them pick (repeats accumulate): the
/// transpose of `Gather`.
struct ScatterAdd: Primitive {
    var name: String { "scatter_add" }

    func outputType(_ inputs: [TensorType]) throws -> TensorType {
        let like = inputs[inputs.count - 1]
        guard inputs[0].dtype.isNumeric else { throw unsupported(name, inputs[0].dtype) }
        return TensorType(inputs[0].dtype, like.shape)
    }

    func evaluate(_ inputs: [NDArray], into out: NDArray) throws {
        let k = inputs.count - 2
        try convert(NDArray.filled(.int(0), out.dtype, [], name), into: out)
        let (shape, offsets) = try indexOffsets(inputs[1...k], shape: out.shape, strides: out.strides, name)
        let values = try inputs[0].contiguous(name)
        guard values.shape == shape + out.shape[k...] else {
            throw SwiftGradError.value(name, "cannot add shape \(describe(values.shape)) at indices of shape \(describe(shape))")
        }
        try scatter(values, into: out, indexedAxes: k, offsets: offsets, .add, name)
    }

    // Values read by the vjp: the indices (the rest are shapes).
    func vjpReads(input i: Int) -> Bool { i > 0 }
    var vjpReadsResult: Bool { false }

    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? {
        i == 0 ? try Tensor.apply(Gather(), [g] + inputs[1..<(inputs.count - 1)]) : nil
    }
}

/// The coordinates of the nonzero elements, as a (rank, count) int64
/// array. The count depends on the values, so the output is computed where
/// views are (`view(of:)` is the one hook that may choose a shape).
struct NonZero: Primitive {
    var name: String { "nonzero" }

    func outputType(_ inputs: [TensorType]) throws -> TensorType {
        guard inputs[0].rank > 0 else {
            throw SwiftGradError.value(name, "nonzero of a 0-dimensional tensor is not defined; use expand_dims first")
        }
        return TensorType(.int64, [inputs[0].rank, nil])
    }

    func view(of inputs: [NDArray], _ output: TensorType) throws -> NDArray? {
        try nonzeroCoordinates(inputs[0], name)
    }

    func evaluate(_ inputs: [NDArray], into out: NDArray) throws {
        try convert(nonzeroCoordinates(inputs[0], name), into: out)
    }

    // Coordinates are integers: no gradient.
    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? { nil }
}

/// `cond ? a : b` elementwise with broadcasting; `a` and `b` share a dtype.
struct Select: Primitive {
    var name: String { "where" }

    func outputType(_ inputs: [TensorType]) throws -> TensorType {
        guard inputs[0].dtype == .bool else {
            throw SwiftGradError.type(name, "the condition must be bool, not \(inputs[0].dtype)")
        }
        guard inputs[1].dtype == inputs[2].dtype else {
            throw SwiftGradError.internal(name, "dtypes \(inputs[1].dtype) and \(inputs[2].dtype) differ")
        }
        let shape = try broadcastShapes(broadcastShapes(inputs[0].shape, inputs[1].shape, name), inputs[2].shape, name)
        return TensorType(inputs[1].dtype, shape)
    }

    func evaluate(_ inputs: [NDArray], into out: NDArray) throws {
        try select(inputs[0], inputs[1], inputs[2], into: out)
    }

    // The vjp reads the indices (or condition), the rest for shapes.
    func vjpReads(input i: Int) -> Bool { i == 0 }
    var vjpReadsResult: Bool { false }

    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? {
        guard i > 0 else { return nil }
        let zero = try Tensor(.int(0), dtype: g.dtype)
        let part = i == 1 ? try Tensor.apply(self, inputs[0], g, zero) : try Tensor.apply(self, inputs[0], zero, g)
        return try part.sum(toShapeOf: inputs[i])
    }
}

// MARK: Joining

/// The inputs joined along `axis`; every other length must agree.
struct Concat: Primitive {
    let axis: Int
    var name: String { "concat" }

    func outputType(_ inputs: [TensorType]) throws -> TensorType {
        let first = inputs[0]
        var shape = first.shape
        var total: Int? = 0
        for (i, x) in inputs.enumerated() {
            guard x.dtype == first.dtype else {
                throw SwiftGradError.internal(name, "dtypes \(first.dtype) and \(x.dtype) differ")
            }
            guard x.rank == first.rank else {
                throw SwiftGradError.value(name, "input 0 has \(first.rank) dimensions but input \(i) has \(x.rank)")
            }
            for a in 0..<x.rank where a != axis {
                switch (shape[a], x.shape[a]) {
                case let (m?, n?) where m != n:
                    throw SwiftGradError.value(name, "shapes \(describe(first.shape)) and \(describe(x.shape)) (input \(i)) differ along axis \(a)")
                case (nil, let n?): shape[a] = n
                default: break
                }
            }
            if let t = total, let n = x.shape[axis] {
                let (sum, overflow) = t.addingReportingOverflow(n)
                total = overflow ? nil : sum
            } else {
                total = nil
            }
        }
        shape[axis] = total
        return TensorType(first.dtype, shape)
    }

    func evaluate(_ inputs: [NDArray], into out: NDArray) throws {
        var start = 0
        for x in inputs {
            var shape = out.shape
            shape[axis] = x.shape[axis]
            let part = try out.view(shape: shape, strides: out.strides, offset: out.offset &+ start &* out.strides[axis], name)
            try copyElements(x, into: part)
            start += x.shape[axis]
        }
    }

    // The vjp reads shapes only.
    func vjpReads(input i: Int) -> Bool { false }
    var vjpReadsResult: Bool { false }

    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? {
        try Tensor.apply(ConcatPart(axis: axis, index: i), [g] + inputs)
    }
}

/// The part of the first input that input `index + 1` filled in a `Concat`
/// of inputs 1…n: the transpose of `Concat`, a view.
struct ConcatPart: ViewPrimitive {
    let axis: Int
    let index: Int
    var name: String { "concat_part" }

    func outputType(_ inputs: [TensorType]) throws -> TensorType {
        TensorType(inputs[0].dtype, inputs[index + 1].shape)
    }

    func view(of inputs: [NDArray], _ output: TensorType) throws -> NDArray? {
        let g = inputs[0]
        let start = inputs[1..<(index + 1)].reduce(0) { $0 + $1.shape[axis] }
        var shape = g.shape
        shape[axis] = inputs[index + 1].shape[axis]
        guard start + shape[axis] <= g.shape[axis] else {
            throw SwiftGradError.value(name, "part \(index) does not fit in shape \(describe(g.shape))")
        }
        return try g.view(shape: shape, strides: g.strides, offset: g.offset &+ start &* g.strides[axis], name)
    }

    // The vjp reads shapes only.
    func vjpReads(input i: Int) -> Bool { false }
    var vjpReadsResult: Bool { false }

    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? {
        guard i == 0 else { return nil }
        let parts = try inputs.dropFirst().enumerated().map { j, x in
            j == index ? g : try Tensor.zeros(like: x, dtype: g.dtype)
        }
        return try Tensor.apply(Concat(axis: axis), parts)
    }
}

// MARK: Positions

/// 0, 1, …, n·times − 1 as int64, for n the input's length along `axis`
/// read at run time: the positions that `roll`, `repeat` and `tile` gather
/// when lengths are unknown while a graph is built.
struct AxisRange: Primitive {
    let axis: Int
    let times: Int
    var name: String { "arange" }

    func outputType(_ inputs: [TensorType]) throws -> TensorType {
        guard let n = inputs[0].shape[axis] else { return TensorType(.int64, [nil]) }
        let (count, overflow) = n.multipliedReportingOverflow(by: times)
        guard !overflow else {
            throw SwiftGradError.value(name, "\(n) × \(times) positions overflow")
        }
        return TensorType(.int64, [count])
    }

    func evaluate(_ inputs: [NDArray], into out: NDArray) throws {
        let p = out.pointer(Int64.self)
        for i in 0..<out.count { p[i] = Int64(i) }
    }

    // Positions do not change with the values: no gradient.
    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? { nil }
}

// MARK: Slices with bounds known when the graph runs

/// `x[start:stop:step]` along `axis` where start and stop are 0-d integer
/// tensors (inputs 1 and 2, each present when its flag is set), so a
/// compiled function can take them as arguments (Theano's minibatch idiom
/// `data[i * n:(i + 1) * n]`). Bounds clamp as Python's slices do; the
/// axis's length is known only when the graph runs.
struct DynamicSlice: ViewPrimitive {
    let axis: Int
    let hasStart: Bool
    let hasStop: Bool
    let step: Int
    var name: String { "index" }

    func outputType(_ inputs: [TensorType]) throws -> TensorType {
        let x = inputs[0]
        try checkBounds(inputs.dropFirst(), name)
        var shape = x.shape
        shape[axis] = nil
        return TensorType(x.dtype, shape)
    }

    func checkBounds(_ bounds: ArraySlice<TensorType>, _ op: String) throws {
        guard step != 0 else { throw SwiftGradError.value(op, "slice step cannot be zero") }
        for bound in bounds where !(bound.dtype.isInteger && bound.rank == 0) {
            throw SwiftGradError.type(op, "a slice bound given as a tensor must be a 0-d integer tensor, not \(bound.dtype) of shape \(describe(bound.shape))")
        }
    }

    /// The slice's items once the bounds' values are known.
    func items(rank: Int, _ bounds: ArraySlice<NDArray>) throws -> [AxisIndex] {
        var values = bounds.map { bound -> Int in
            switch bound.elements.first {
            case .int(let i)?: return Int(i)
            // Python's slices clamp huge bounds; no length reaches them.
            case .uint(let u)?: return u > UInt64(Int.max) ? Int.max : Int(u)
            default: return 0
            }
        }[...]
        let start = hasStart ? values.popFirst() : nil, stop = hasStop ? values.popFirst() : nil
        var items = [AxisIndex](repeating: .all, count: rank)
        items[axis] = .range(start: start, stop: stop, step: step)
        return items
    }

    func view(of inputs: [NDArray], _ output: TensorType) throws -> NDArray? {
        try sliceView(inputs[0], items(rank: inputs[0].shape.count, inputs.dropFirst()), name)
    }

    // The vjp reads the indices (or condition), the rest for shapes.
    func vjpReads(input i: Int) -> Bool { i > 0 }
    var vjpReadsResult: Bool { false }

    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? {
        guard i == 0 else { return nil }
        return try Tensor.apply(DynamicSliceScatter(slice: self), [g, inputs[0]] + inputs.dropFirst())
    }
}

/// The cotangent of a `DynamicSlice`: g (input 0) written into zeros of
/// the shape of input 1 at the slice that inputs 2... bound.
struct DynamicSliceScatter: Primitive {
    let slice: DynamicSlice
    var name: String { "index_scatter" }

    func outputType(_ inputs: [TensorType]) throws -> TensorType {
        try slice.checkBounds(inputs.dropFirst(2), name)
        return TensorType(inputs[0].dtype, inputs[1].shape)
    }

    func evaluate(_ inputs: [NDArray], into out: NDArray) throws {
        let items = try slice.items(rank: out.shape.count, inputs.dropFirst(2))
        try SliceScatter(items: items).evaluate(Array(inputs.prefix(2)), into: out)
    }

    // The vjp reads the indices (or condition), the rest for shapes.
    func vjpReads(input i: Int) -> Bool { i > 1 }
    var vjpReadsResult: Bool { false }

    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? {
        i == 0 ? try Tensor.apply(slice, [g] + inputs.dropFirst(2)) : nil
    }
}

extension Tensor {
    /// `self[start:stop:step]` along `axis` with bounds that are 0-d integer
    /// tensors (nil: open), known only when the graph runs.
    public func sliced(axis: Int, start: Tensor?, stop: Tensor?, step: Int = 1) throws -> Tensor {
        let axis = try normalizeAxes([axis], rank: rank, "index")[0]
        let bounds = [start, stop].compactMap { $0 }
        return try Tensor.apply(DynamicSlice(axis: axis, hasStart: start != nil, hasStop: stop != nil, step: step), [self] + bounds)
    }
}
