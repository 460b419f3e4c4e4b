// Views, indexing and joining: the public functions over the primitives of
// Primitives/Indexing.swift and Layout.swift. Composites (stack, roll,
// repeat, tile, moveaxis, flip) get their gradients from those primitives.

/// One entry of an index, as in NumPy: `x[1, 2:5:-1, None, ..., idx]`.
public enum TensorIndex {
    /// One position; drops the axis.
    case position(Int)
    /// `start:stop:step`, each optional (NumPy's clamping).
    case slice(Int?, Int?, Int?)
    /// A new length-1 axis (`None`).
    case newAxis
    /// As many full slices as the other entries leave (`...`).
    case ellipsis
    /// An integer array (advanced indexing) or a boolean mask.
    case array(Tensor)
}

/// An index resolved against a shape: a basic index for every input axis,
/// the new axes to insert after it, and the index arrays left to apply to
/// axes of that view.
struct IndexPlan {
    var items: [AxisIndex] = []
    var newAxes: [Int] = []
    var arrays: [(axis: Int, index: Tensor)] = []
    /// Whether something (a slice, `...`, `None`) separates index arrays in
    /// the key, even an ellipsis that stands for no axes.
    private var arraysSeparated = false

    init(_ indices: [TensorIndex], shape: [Int?], _ op: String) throws {
        let rank = shape.count
        var hasArray = false, consumed = 0, ellipses = 0
        for index in indices {
            switch index {
            case .position, .slice: consumed += 1
            case .newAxis: break
            case .ellipsis: ellipses += 1
            case .array(let t):
                hasArray = true
                if t.dtype == .bool {
                    guard t.rank > 0 else {
                        throw SwiftGradError.index(op, "0-dimensional boolean indices are not supported")
                    }
                    consumed += t.rank
                } else {
                    guard t.dtype.isInteger else {
                        throw SwiftGradError.index(op, "arrays used as indices must be of integer or boolean dtype, not \(t.dtype)")
                    }
                    consumed += 1
                }
            }
        }
        guard ellipses <= 1 else { throw SwiftGradError.index(op, "an index can only have a single ellipsis ('...')") }
        guard consumed <= rank else {
            throw SwiftGradError.index(op, "too many indices for tensor: tensor is \(rank)-dimensional, but \(consumed) were indexed")
        }
        var axis = 0, out = 0
        var lastArray: Int?
        for (k, index) in indices.enumerated() {
            let isArray: Bool
            switch index {
            case .array: isArray = true
            case .position: isArray = hasArray
            default: isArray = false
            }
            guard isArray else { continue }
            if let last = lastArray, last != k - 1 { arraysSeparated = true }
            lastArray = k
        }
        func keep(_ index: Tensor) {
            items.append(.all)
            arrays.append((out, index))
            axis += 1; out += 1
        }
        for index in indices {
            switch index {
            case .ellipsis:
                for _ in 0..<(rank - consumed) { items.append(.all); axis += 1; out += 1 }
            case .newAxis:
                newAxes.append(out); out += 1
            case let .slice(start, stop, step):
                guard step != 0 else { throw SwiftGradError.value(op, "slice step cannot be zero") }
                items.append(.range(start: start, stop: stop, step: step ?? 1)); axis += 1; out += 1
            case .position(let i):
                if hasArray {
                    // With index arrays, an int is a 0-d index array (NumPy's rule).
                    if let n = shape[axis] { _ = try wrapPosition(i, axis: axis, length: n, op) }
                    keep(try Tensor(.int(Int64(i)), dtype: .int64))
                } else {
                    items.append(.position(i)); axis += 1
                }
            case .array(let t) where t.dtype == .bool:
                for (k, n) in t.type.shape.enumerated() {
                    if let n, let m = shape[axis + k], n != m {
                        throw SwiftGradError.index(op, "boolean index did not match indexed tensor along axis \(axis + k); size of axis is \(m) but size of corresponding boolean axis is \(n)")
                    }
                }
                for coordinates in try t.nonzero() { keep(coordinates) }
            case .array(let t):
                keep(t)
            }
        }
        while axis < rank { items.append(.all); axis += 1 }
    }

    var slicesNothing: Bool { items.allSatisfy { $0 == .all } }

    /// Where the index arrays' axes go in the result: after the axes before
    /// them when they are next to each other in the key, else first
    /// (NumPy's rule).
    var arrayAxesStart: Int { arraysSeparated ? 0 : arrays.first?.axis ?? 0 }
}

extension NDArray {
    func permutedView(_ axes: [Int], _ op: String) throws -> NDArray {
        try view(shape: axes.map { shape[$0] }, strides: axes.map { strides[$0] }, op)
    }
}

extension Tensor {
    // MARK: Shapes

    /// The elements in row-major order seen as `shape` (one length may be
    /// -1, inferred). A view when the strides allow; `copy` true always
    /// copies, false fails instead of copying.
    public func reshaped(_ shape: [Int], copy: Bool? = nil) throws -> Tensor {
        try Tensor.apply(Reshape(spec: shape, copy: copy), self)
    }

    /// This tensor reshaped to `x`'s shape, read at run time if unknown now.
    func reshaped(like x: Tensor) throws -> Tensor {
        if !x.type.shape.contains(nil) {
            return try Tensor.apply(Reshape(spec: x.type.shape.map { $0 ?? 0 }, copy: nil), self)
        }
        return try Tensor.apply(ReshapeLike(), self, x)
    }

    /// A length-1 axis inserted at `axis` (in -rank-1 … rank).
    public func expandingDims(axis: Int) throws -> Tensor {
        guard axis >= -rank - 1, axis <= rank else {
            throw SwiftGradError.index("expand_dims", "axis \(axis) is out of bounds for a result of dimension \(rank + 1)")
        }
        return try expandingDims([axis < 0 ? axis + rank + 1 : axis])
    }

    /// The length-1 axes `axes` removed.
    public func squeezed(axes: [Int]) throws -> Tensor {
        try squeezing(normalizeAxes(axes, rank: rank, "squeeze"))
    }

    /// A zero tensor of `shape` with one element of storage (a stand-in
    /// that carries a shape).
    static func zeroView(_ shape: [Int], dtype: DType) throws -> Tensor {
        let zero = try NDArray.filled(.int(0), dtype, [], "zeros")
        return Tensor(try zero.view(shape: shape, strides: shape.map { _ in 0 }, "zeros"))
    }

    /// Zeros of `x`'s shape (read at run time) and `dtype`, without copies.
    static func zeros(like x: Tensor, dtype: DType) throws -> Tensor {
        try Tensor.apply(BroadcastTo(), Tensor(.int(0), dtype: dtype), x)
    }

    /// This tensor broadcast to `shape` (NumPy's rules), as a view.
    public func broadcast(to shape: [Int]) throws -> Tensor {
        _ = try checkedCount(shape, "broadcast_to")
        return try Tensor.apply(BroadcastTo(), self, Tensor.zeroView(shape, dtype: .bool))
    }

    /// The tensors broadcast against each other.
    public static func broadcastArrays(_ xs: [Tensor]) throws -> [Tensor] {
        var shape = [Int?]()
        for x in xs { shape = try broadcastShapes(shape, x.type.shape, "broadcast_arrays") }
        if !shape.contains(nil) {
            let known = shape.map { $0 ?? 0 }
            return try xs.map { try $0.broadcast(to: known) }
        }
        // Lengths fixed only at run time: a zero sum of all carries the shape.
        var carrier = try zeros(like: xs[0], dtype: .float64)
        for x in xs.dropFirst() { carrier = try carrier + zeros(like: x, dtype: .float64) }
        return try xs.map { try Tensor.apply(BroadcastTo(), $0, carrier) }
    }

    /// The last two axes swapped.
    public func matrixTransposed() throws -> Tensor {
        guard rank >= 2 else {
            throw SwiftGradError.value("matrix_transpose", "needs at least 2 dimensions, got shape \(describe(shape))")
        }
        return try permuted(Array(0..<(rank - 2)) + [rank - 1, rank - 2])
    }

    /// Axes `source` moved to positions `destination`, the others kept in order.
    public func movingAxes(_ source: [Int], to destination: [Int]) throws -> Tensor {
        let op = "moveaxis"
        guard source.count == destination.count else {
            throw SwiftGradError.value(op, "source \(source) and destination \(destination) must have the same number of axes")
        }
        let src = try source.map { try normalizeAxes([$0], rank: rank, op)[0] }
        let dst = try destination.map { try normalizeAxes([$0], rank: rank, op)[0] }
        _ = try normalizeAxes(src, rank: rank, op)
        guard Set(dst).count == dst.count else { throw SwiftGradError.value(op, "repeated axis in destination \(destination)") }
        var order = (0..<rank).filter { !src.contains($0) }
        for (d, s) in zip(dst, src).sorted(by: { $0.0 < $1.0 }) { order.insert(s, at: d) }
        return try permuted(order)
    }

    /// The elements in reverse order along `axes` (all when nil): a view
    /// with negative strides.
    public func flipped(axes: [Int]? = nil) throws -> Tensor {
        let axes = try normalizeAxes(axes ?? Array(0..<rank), rank: rank, "flip")
        if axes.isEmpty { return self }
        return try Tensor.apply(Slice(items: (0..<rank).map {
            axes.contains($0) ? .range(start: nil, stop: nil, step: -1) : .all
        }), self)
    }

    // MARK: Indexing

    /// `x[indices]` with NumPy's rules: basic indices give views;
    /// integer arrays and boolean masks gather.
    public func indexed(_ indices: [TensorIndex]) throws -> Tensor {
        if let items = Tensor.basicItems(indices, rank: rank) {
            return try Tensor.apply(Slice(items: items), self)
        }
        let plan = try IndexPlan(indices, shape: type.shape, "index")
        var y = self
        if !plan.slicesNothing { y = try Tensor.apply(Slice(items: plan.items), y) }
        if !plan.newAxes.isEmpty { y = try y.expandingDims(plan.newAxes) }
        guard !plan.arrays.isEmpty else { return y }
        let axes = plan.arrays.map(\.axis)
        let others = (0..<y.rank).filter { !axes.contains($0) }
        let moved = axes == Array(0..<axes.count) ? y : try y.permuted(axes + others)
        var out = try Tensor.apply(Gather(axes: axes), [moved] + plan.arrays.map(\.index))
        let start = plan.arrayAxesStart
        if start > 0 {
            let m = out.rank - others.count
            out = try out.permuted(Array(m..<(m + start)) + Array(0..<m) + Array((m + start)..<out.rank))
        }
        return out
    }

    /// The common `x[i]`, `x[:, 1]`: ints and slices only, at most one per
    /// axis; nil for anything else (IndexPlan handles it and its errors).
    private static func basicItems(_ indices: [TensorIndex], rank: Int) -> [AxisIndex]? {
        guard indices.count <= rank else { return nil }
        var items = [AxisIndex]()
        items.reserveCapacity(rank)
        for index in indices {
            switch index {
            case .position(let i): items.append(.position(i))
            case let .slice(start, stop, step) where step != 0:
                items.append(.range(start: start, stop: stop, step: step ?? 1))
            default: return nil
            }
        }
        while items.count < rank { items.append(.all) }
        return items
    }

    /// `x[.position(1), .slice(nil, nil, -1)]`: `indexed` as a subscript.
    public subscript(_ indices: TensorIndex...) -> Tensor {
        get throws { try indexed(indices) }
    }

    /// `x[indices] = value`: writes into this tensor's own storage, as
    /// NumPy does (views of it see the change); `value` is broadcast and
    /// converted to this tensor's dtype. Where indices repeat, the last
    /// write wins.
    public func setItems(_ indices: [TensorIndex], to value: Tensor) throws {
        let op = "setitem"
        let target = try writableValue(op)
        guard value.kind == .value, var source = value.value else {
            throw SwiftGradError.type(op, "the value written must be concrete, not a \(value.summary)")
        }
        let plan = try IndexPlan(indices, shape: target.shape.map(Optional.some), op)
        var view = try sliceView(target, plan.items, op)
        if !plan.newAxes.isEmpty {
            var shape = view.shape, strides = view.strides
            for axis in plan.newAxes { shape.insert(1, at: axis); strides.insert(0, at: axis) }
            view = try view.view(shape: shape, strides: strides, op)
        }
        // The value may overlap what it overwrites (x[1:] = x[:-1]).
        if source.storage === target.storage { source = try source.converted(to: source.dtype, op) }
        func fit(_ shape: [Int]) throws -> NDArray {
            let merged = try? broadcastShapes(source.shape.map(Optional.some), shape.map(Optional.some), op)
            guard merged?.count == shape.count, merged?.elementsEqual(shape, by: { $0 == $1 }) == true else {
                throw SwiftGradError.value(op, "could not broadcast a value of shape \(describe(source.shape)) into shape \(describe(shape))")
            }
            return try source.view(shape: shape, strides: broadcastStrides(source, to: shape), op)
        }
        if plan.arrays.isEmpty {
            try copyElements(fit(view.shape), into: view)
        } else {
            let axes = plan.arrays.map(\.axis)
            let others = (0..<view.shape.count).filter { !axes.contains($0) }
            let moved = try view.permutedView(axes + others, op)
            let indices = try plan.arrays.map { entry -> NDArray in
                guard let v = entry.index.value else {
                    throw SwiftGradError.type(op, "index arrays must be concrete, not symbolic")
                }
                return v
            }
            let (shape, offsets) = try indexOffsets(indices[...], shape: moved.shape, strides: moved.strides, op, axes: axes)
            let rest = others.map { view.shape[$0] }
            let start = plan.arrayAxesStart, m = shape.count
            // The value broadcasts against the result's shape, then is laid
            // out as the gather's (index axes first).
            var values = try fit(Array(rest[..<start]) + shape + Array(rest[start...]))
            if start > 0 {
                values = try values.permutedView(Array(start..<(start + m)) + Array(0..<start) + Array((start + m)..<values.shape.count), op)
            }
            try scatter(values.converted(to: target.dtype, op), into: moved, indexedAxes: axes.count,
                        offsets: offsets, .assign, op)
        }
        target.storage.bumpVersion()
    }

    /// This tensor's value, which an in-place operation named `op` may
    /// overwrite.
    private func writableValue(_ op: String) throws -> NDArray {
        guard kind == .value, let target = storedValue else {
            throw SwiftGradError.type(op, "cannot write into a \(kind == .shared ? "shared variable (use set_value)" : "symbolic tensor")")
        }
        guard !(requiresGrad && GradMode.isEnabled) else {
            throw SwiftGradError.type(op, "cannot write in place into a tensor that requires grad; do it under no_grad")
        }
        guard target.storage.isWritable else {
            throw SwiftGradError.value(op, "the tensor's memory is read-only (borrowed from a read-only buffer)")
        }
        return target
    }

    /// `x = x op other`, written into this tensor's own storage (NumPy's and
    /// PyTorch's `x += y`): the result must keep this tensor's dtype and
    /// shape. The kernel writes straight into the storage, with no
    /// temporary unless `other` overlaps it in another layout.
    public func update(_ op: BinaryOp, _ other: Tensor) throws {
        let definition = op.definition, name = definition.name + "_"
        let target = try writableValue(name)
        let dtype = definition.computeType(try DType.promoted(dtype, other.dtype, name))
        guard let kernel = definition.kernels[dtype] else { throw unsupported(name, dtype) }
        guard dtype == target.dtype, kernel.output == target.dtype else {
            throw SwiftGradError.type(name, "the result's dtype \(kernel.output) cannot be written into a \(target.dtype) tensor in place")
        }
        guard other.kind == .value, var source = try other.cast(to: dtype).value else {
            throw SwiftGradError.type(name, "the operand must be concrete, not a \(other.summary)")
        }
        let shape = try broadcastShapes(target.shape.map(Optional.some), source.shape.map(Optional.some), name)
        guard shape.elementsEqual(target.shape, by: { $0 == $1 }) else {
            throw SwiftGradError.value(name, "the result's shape \(describe(shape.map { $0 ?? -1 })) cannot be written into a tensor of shape \(describe(target.shape)) in place")
        }
        // Elementwise kernels may write over an input read in the same
        // layout, not over one laid out differently.
        if source.storage === target.storage,
           source.offset != target.offset || source.shape != target.shape || source.strides != target.strides {
            source = try source.converted(to: dtype, name)
        }
        kernel.run(target, source, into: target)
        target.storage.bumpVersion()
    }

    /// The elements at `indices` along `axis` (of the flattened tensor when
    /// nil); negative indices count from the end.
    public func take(_ indices: Tensor, axis: Int?) throws -> Tensor {
        guard indices.dtype.isInteger else {
            throw SwiftGradError.type("take", "indices must have an integer dtype, not \(indices.dtype)")
        }
        guard let axis else { return try reshaped([-1]).take(indices, axis: 0) }
        let a = try normalizeAxes([axis], rank: rank, "take")[0]
        let moved = a == 0 ? self : try permuted([a] + (0..<rank).filter { $0 != a })
        var out = try Tensor.apply(Gather(axes: [a]), moved, indices)
        if a > 0 {
            let m = indices.rank
            out = try out.permuted(Array(m..<(m + a)) + Array(0..<m) + Array((m + a)..<out.rank))
        }
        return out
    }

    /// `condition ? a : b` elementwise, broadcasting all three; `a` and `b`
    /// promote to a common dtype.
    public static func select(_ condition: Tensor, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        guard condition.dtype == .bool else {
            throw SwiftGradError.type("where", "the condition must be bool, not \(condition.dtype)")
        }
        let dtype = try DType.promoted(a.dtype, b.dtype, "where")
        return try apply(Select(), condition, a.cast(to: dtype), b.cast(to: dtype))
    }

    /// The coordinates of the nonzero elements, one int64 tensor per axis.
    public func nonzero() throws -> [Tensor] {
        let coordinates = try Tensor.apply(NonZero(), self)
        return try (0..<rank).map { try Tensor.apply(Slice(items: [.position($0), .all]), coordinates) }
    }

    // MARK: Joining and repeating

    /// The tensors joined along `axis` (flattened first when nil), promoted
    /// to a common dtype.
    public static func concat(_ xs: [Tensor], axis: Int?) throws -> Tensor {
        let op = "concat"
        guard let first = xs.first else { throw SwiftGradError.value(op, "needs at least one tensor") }
        var dtype = first.dtype
        for x in xs.dropFirst() { dtype = try DType.promoted(dtype, x.dtype, op) }
        var parts = try xs.map { try $0.cast(to: dtype) }
        guard let axis else {
            parts = try parts.map { try $0.reshaped([-1]) }
            return try apply(Concat(axis: 0), parts)
        }
        guard first.rank > 0 else {
            throw SwiftGradError.value(op, "0-dimensional tensors cannot be concatenated")
        }
        return try apply(Concat(axis: normalizeAxes([axis], rank: first.rank, op)[0]), parts)
    }

    /// The tensors, of one shape, joined along a new axis `axis`.
    public static func stack(_ xs: [Tensor], axis: Int = 0) throws -> Tensor {
        guard let first = xs.first else { throw SwiftGradError.value("stack", "needs at least one tensor") }
        let a = try normalizeAxes([axis], rank: first.rank + 1, "stack")[0]
        for (i, x) in xs.enumerated() where x.rank != first.rank {
            throw SwiftGradError.value("stack", "all inputs must have the same shape: input 0 has shape \(describe(first.shape)), input \(i) \(describe(x.shape))")
        }
        return try concat(xs.map { try $0.expandingDims([a]) }, axis: a)
    }

    /// The length of `axis`, which must be known.
    private func knownLength(_ axis: Int, _ op: String) throws -> Int {
        guard let n = type.shape[axis] else {
            throw SwiftGradError.value(op, "needs a known length along axis \(axis), but the shape is \(describe(type.shape))")
        }
        return n
    }

    private func knownShape(_ op: String) throws -> [Int] {
        guard !type.shape.contains(nil) else {
            throw SwiftGradError.value(op, "needs known lengths, but the shape is \(describe(type.shape))")
        }
        return type.shape.map { $0 ?? 0 }
    }

    /// The slices along `axis`, each without that axis.
    public func unstacked(axis: Int = 0) throws -> [Tensor] {
        guard rank > 0 else { throw SwiftGradError.value("unstack", "a 0-dimensional tensor cannot be unstacked") }
        let a = try normalizeAxes([axis], rank: rank, "unstack")[0]
        return try (0..<knownLength(a, "unstack")).map { i in
            try Tensor.apply(Slice(items: (0..<rank).map { $0 == a ? .position(i) : .all }), self)
        }
    }

    /// The elements shifted by `shifts` along `axes`, wrapping around (the
    /// flattened tensor's when `axes` is nil).
    public func rolled(_ shifts: [Int], axes: [Int]? = nil) throws -> Tensor {
        let op = "roll"
        guard let axes else {
            guard shifts.count == 1 else {
                throw SwiftGradError.value(op, "without axes, shift must be one int, got \(shifts)")
            }
            return try reshaped([-1]).rolled(shifts, axes: [0]).reshaped(like: self)
        }
        let shifts = shifts.count == 1 ? Array(repeating: shifts[0], count: axes.count) : shifts
        guard shifts.count == axes.count else {
            throw SwiftGradError.value(op, "shift \(shifts) and axis \(axes) must have the same length")
        }
        var y = self
        for (shift, axis) in zip(shifts, axes) {
            let a = try normalizeAxes([axis], rank: rank, op)[0]
            guard let n = type.shape[a] else {
                // Unknown length: gather at (i - shift) mod n, computed when it runs.
                let length = try Tensor.apply(ElementCount(axes: [a], dtype: .int64), y)
                let k = try Tensor(.int(Int64(shift)), dtype: .int64).binary(.remainder, length)
                let positions = try (Tensor.apply(AxisRange(axis: a, times: 1), y) - k).binary(.remainder, length)
                y = try y.take(positions, axis: a)
                continue
            }
            guard n > 0 else { continue }
            let k = ((shift % n) + n) % n
            guard k > 0 else { continue }
            func part(_ start: Int, _ stop: Int) throws -> Tensor {
                try Tensor.apply(Slice(items: (0..<rank).map { $0 == a ? .range(start: start, stop: stop, step: 1) : .all }), y)
            }
            y = try Tensor.apply(Concat(axis: a), part(n - k, n), part(0, n - k))
        }
        return y
    }

    /// Each element repeated `repeats` times along `axis` (of the flattened
    /// tensor when nil).
    public func repeated(_ repeats: Int, axis: Int?) throws -> Tensor {
        let op = "repeat"
        guard repeats >= 0 else { throw SwiftGradError.value(op, "repeats must be non-negative, got \(repeats)") }
        guard let axis else { return try reshaped([-1]).repeated(repeats, axis: 0) }
        let a = try normalizeAxes([axis], rank: rank, op)[0]
        if type.shape.contains(nil) {
            // Unknown lengths: gather positions i // repeats, computed when it runs.
            let positions = try Tensor.apply(AxisRange(axis: a, times: repeats), self)
            return try take(positions.binary(.floorDivide, Tensor(.int(Int64(Swift.max(repeats, 1))), dtype: .int64)), axis: a)
        }
        var shape = try knownShape(op)
        var wide = shape
        wide.insert(repeats, at: a + 1)
        let (n, overflow) = shape[a].multipliedReportingOverflow(by: repeats)
        guard !overflow else { throw SwiftGradError.value(op, "repeating \(describe(shape)) \(repeats) times overflows") }
        shape[a] = n
        return try expandingDims([a + 1]).broadcast(to: wide).reshaped(shape)
    }

    /// Element i along `axis` repeated `repeats[i]` times (`repeats` is a
    /// concrete integer tensor of one element or one per element).
    public func repeated(_ repeats: Tensor, axis: Int?) throws -> Tensor {
        let op = "repeat"
        guard repeats.dtype.isInteger, let counts = repeats.value, repeats.rank <= 1 else {
            throw SwiftGradError.type(op, "repeats must be an int or a concrete 1-D integer tensor, not a \(repeats.summary)")
        }
        let values = counts.elements.map { Int64($0) }
        if repeats.rank == 0 { return try repeated(Int(values[0]), axis: axis) }
        guard let axis else { return try reshaped([-1]).repeated(repeats, axis: 0) }
        let a = try normalizeAxes([axis], rank: rank, op)[0]
        let n = try knownLength(a, op)
        guard values.count == n else {
            throw SwiftGradError.value(op, "\(values.count) repeats for an axis of length \(n)")
        }
        var positions = [Scalar]()
        for (i, r) in values.enumerated() {
            guard r >= 0 else { throw SwiftGradError.value(op, "repeats must be non-negative, got \(r)") }
            guard Int(r) <= Int(Int32.max) - positions.count else {
                throw SwiftGradError.value(op, "repeats total more than \(Int32.max) elements")
            }
            positions += repeatElement(.int(Int64(i)), count: Int(r))
        }
        return try take(Tensor(NDArray(positions, shape: [positions.count], dtype: .int64)), axis: a)
    }

    /// The tensor repeated `reps[i]` times along each axis (the Array API's
    /// tile: the shorter of the two is padded with leading ones).
    public func tiled(_ reps: [Int]) throws -> Tensor {
        let op = "tile"
        guard reps.allSatisfy({ $0 >= 0 }) else { throw SwiftGradError.value(op, "repetitions must be non-negative, got \(reps)") }
        let d = Swift.max(rank, reps.count)
        let reps = Array(repeating: 1, count: d - reps.count) + reps
        if type.shape.contains(nil) {
            // Unknown lengths: gather positions i mod n per axis, computed when it runs.
            var y = d > rank ? try expandingDims(Array(0..<(d - rank))) : self
            for (a, r) in reps.enumerated() where r != 1 {
                let length = try Tensor.apply(ElementCount(axes: [a], dtype: .int64), y)
                y = try y.take(Tensor.apply(AxisRange(axis: a, times: r), y).binary(.remainder, length), axis: a)
            }
            return y
        }
        let shape = Array(repeating: 1, count: d - rank) + (try knownShape(op))
        var wide = [Int](), result = [Int]()
        for (r, n) in zip(reps, shape) {
            wide += [r, n]
            let (m, overflow) = r.multipliedReportingOverflow(by: n)
            guard !overflow else { throw SwiftGradError.value(op, "tiling \(describe(shape)) by \(reps) overflows") }
            result.append(m)
        }
        _ = try checkedCount(result, itemSize: dtype.itemSize, op)
        return try reshaped(shape).expandingDims(Array(stride(from: 0, to: 2 * d, by: 2)))
            .broadcast(to: wide).reshaped(result)
    }
}

public func reshape(_ x: Tensor, _ shape: [Int], copy: Bool? = nil) throws -> Tensor { try x.reshaped(shape, copy: copy) }
public func concat(_ xs: [Tensor], axis: Int? = 0) throws -> Tensor { try Tensor.concat(xs, axis: axis) }
public func stack(_ xs: [Tensor], axis: Int = 0) throws -> Tensor { try Tensor.stack(xs, axis: axis) }
public func select(_ condition: Tensor, _ a: Tensor, _ b: Tensor) throws -> Tensor { try Tensor.select(condition, a, b) }
