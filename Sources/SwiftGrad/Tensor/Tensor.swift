import CVectorMath

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An array of any dtype that is either concrete (it has a value, as a
/// NumPy array does) or symbolic (an expression over placeholders and shared
/// variables, given values by a compiled ``Function``).
///
/// A tensor made by an operation records a node (the primitive and its
/// inputs) when it is symbolic or when an input requires grad; that node is
/// the computation graph that `backward()` and ``grad(_:wrt:)`` walk. Nodes
/// hold their inputs, never their consumers, so graphs free themselves when
/// their last tensor goes.
public final class Tensor {
    /// The dtype and shape known when the tensor was made.
    public let type: TensorType
    /// The name of a placeholder or shared variable.
    public let name: String?
    // Read on every operation; never accessed overlapping, so the dynamic
    // exclusivity check would only cost time.
    @exclusivity(unchecked) private(set) var origin: Origin
    /// The value; for a shared variable, its current value.
    @exclusivity(unchecked) var storedValue: NDArray?
    /// For a shared variable: whether its current value may be referenced
    /// outside the variable (read through `value`, set from a caller's
    /// array, read by a function that does not update it), so that no
    /// function may reuse its memory once it is replaced. Guarded by
    /// `SharedValues`.
    @exclusivity(unchecked) var valueLent = true
    /// Whether operations on this tensor record graphs for `backward()`.
    @exclusivity(unchecked) public private(set) var requiresGrad: Bool
    /// The gradient that `backward()` accumulated into this leaf. It never
    /// has graph history: a leaf holding its own graph would never be freed.
    public internal(set) var grad: Tensor?
    /// Gradient hooks and retain_grad of a leaf that has any (a recorded
    /// result keeps them on its node, which its stand-ins share).
    var leafHooks: GradHooks?
    /// For a recorded result: the stand-in that nodes hold when their vjp
    /// does not read this value (`Node.init(primitive:inputs:result:)`).
    private var standIn: Tensor?
    /// For a shared variable: the update compiled functions apply when
    /// their caller gives none (Theano's default_update), written over a
    /// stand-in placeholder so that the variable does not hold itself.
    private var defaultUpdate: (standIn: Tensor, value: Tensor)?

    enum Origin {
        case constant
        case placeholder
        /// A shared variable, with the lock that serializes its updates.
        case shared(Mutex)
        case node(Node)
    }

    /// What a tensor is, as callers see it.
    public enum Kind: Sendable {
        case value, placeholder, shared, symbolic
    }

    init(type: TensorType, origin: Origin, value: NDArray?, name: String? = nil, requiresGrad: Bool = false) {
        self.type = type
        self.origin = origin
        self.storedValue = value
        self.name = name
        self.requiresGrad = requiresGrad
    }

    // Releasing a long chain recursively would overflow the stack: take
    // apart the inputs that only this graph holds, one at a time (a node
    // its stand-ins still share keeps its inputs, which then stop the walk).
    deinit {
        var pending = [Tensor]()
        if case .node(let node) = origin { pending = node.inputs }
        origin = .constant
        while var tensor = pending.popLast() {
            guard isKnownUniquelyReferenced(&tensor) else { continue }
            if case .node(let node) = tensor.origin { pending += node.inputs }
            tensor.origin = .constant
        }
    }

    /// A concrete tensor holding `value`.
    public convenience init(_ value: NDArray) {
        self.init(type: TensorType(value.dtype, value.shape), origin: .constant, value: value)
    }

    /// A concrete tensor holding `scalars` in row-major order.
    public convenience init(_ scalars: [Double], shape: [Int], dtype: DType = .float64) throws {
        self.init(try NDArray(scalars, shape: shape, dtype: dtype))
    }

    /// A concrete 0-dimensional tensor.
    public convenience init(_ scalar: Double, dtype: DType = .float64) throws {
        self.init(try NDArray(scalar: scalar, dtype: dtype))
    }

    /// A concrete 0-dimensional tensor holding `scalar` converted to `dtype`.
    public convenience init(_ scalar: Scalar, dtype: DType) throws {
        self.init(try NDArray(scalar: scalar, dtype: dtype))
    }

    /// A symbolic input of a compiled function; `nil` lengths are fixed by
    /// each call.
    public static func placeholder(_ dtype: DType, shape: [Int?], name: String? = nil) throws -> Tensor {
        // Unknown lengths count as 1: a call's real ones are checked then.
        _ = try checkedCount(shape.map { $0 ?? 1 }, itemSize: dtype.itemSize, "placeholder")
        return Tensor(type: TensorType(dtype, shape), origin: .placeholder, value: nil, name: name)
    }

    /// A shared variable starting at `value`: operations on it build
    /// symbolic graphs that read its value when a function runs, and
    /// functions may update it.
    public static func shared(_ value: NDArray, name: String? = nil) -> Tensor {
        let type = TensorType(value.dtype, [Int?](repeating: nil, count: value.shape.count))
        return Tensor(type: type, origin: .shared(Mutex()), value: value, name: name)
    }

    public var kind: Kind {
        switch origin {
        case .placeholder: return .placeholder
        case .shared: return .shared
        case .constant, .node: return storedValue == nil ? .symbolic : .value
        }
    }

    var node: Node? {
        if case .node(let node) = origin { return node }
        return nil
    }

    public var dtype: DType { type.dtype }
    public var rank: Int { type.rank }

    /// The lengths: those of the value where there is one.
    public var shape: [Int?] { value?.shape.map(Optional.some) ?? type.shape }

    /// The concrete value (a shared variable's current one), if any.
    public var value: NDArray? {
        guard case .shared = origin else { return storedValue }
        return SharedValues.withLock {
            valueLent = true
            return storedValue
        }
    }

    /// The elements in row-major order, or nil for a symbolic tensor.
    public var scalars: [Double]? { value?.scalars }

    /// The only element of a one-element tensor, exactly.
    public func element() throws -> Scalar {
        guard let value else {
            throw SwiftGradError.type("item", "a symbolic tensor has no value")
        }
        guard value.count == 1, let x = value.elements.first else {
            throw SwiftGradError.value("item", "tensor of shape \(describe(value.shape)) is not one element")
        }
        return x
    }

    /// The only element of a one-element tensor, as a double.
    public func item() throws -> Double { try element().doubleValue }

    /// Replaces a shared variable's value (which the caller may go on
    /// holding); dtype and rank must stay.
    public func setValue(_ value: NDArray) throws { try replaceValue(value, lent: true) }

    /// Replaces a shared variable's value by a copy of `value` (Theano's
    /// `set_value` without `borrow`): the variable alone holds it.
    public func setValue(copying value: NDArray) throws {
        try replaceValue(value.converted(to: value.dtype, "set_value"), lent: false)
    }

    /// A new shared variable starting at a copy of `value` (Theano's
    /// `shared` without `borrow`).
    public static func shared(copying value: NDArray, name: String? = nil) throws -> Tensor {
        let variable = shared(try value.converted(to: value.dtype, "shared"), name: name)
        variable.valueLent = false  // no other thread can see it yet
        return variable
    }

    private func replaceValue(_ value: NDArray, lent: Bool) throws {
        guard case .shared(let updates) = origin else {
            throw SwiftGradError.type("set_value", "only shared variables can be set")
        }
        guard value.dtype == dtype, value.shape.count == rank else {
            throw SwiftGradError.type(
                "set_value", "value of \(value.dtype) \(describe(value.shape)) does not fit a \(dtype) shared variable of \(rank) dimensions")
        }
        updates.withLock {
            SharedValues.withLock {
                storedValue = value
                valueLent = lent
            }
        }
    }

    /// Sets the update that compiled functions reading this shared
    /// variable apply unless they update it themselves or are made without
    /// default updates (Theano's `default_update`, which RandomStreams use
    /// to advance their state); nil removes it.
    public func setDefaultUpdate(_ update: Tensor?) throws {
        guard case .shared = origin else {
            throw SwiftGradError.type("default_update", "only shared variables have default updates, not a \(summary)")
        }
        guard let update else { return defaultUpdate = nil }
        guard update.dtype == dtype, update.rank == rank else {
            throw SwiftGradError.type("default_update", "a \(update.summary) cannot update a \(summary)")
        }
        let standIn = try Tensor.placeholder(dtype, shape: type.shape, name: name)
        defaultUpdate = (standIn, try rebuilding([update], replacing: [ObjectIdentifier(self): standIn])[0])
    }

    /// The default update, as an expression over the variable itself.
    public var defaultUpdateValue: Tensor? {
        get throws {
            guard let (standIn, value) = defaultUpdate else { return nil }
            return try rebuilding([value], replacing: [ObjectIdentifier(standIn): self])[0]
        }
    }

    /// Marks a concrete leaf as a parameter for `backward()`. A recorded
    /// result requires grad and cannot stop (PyTorch's rule for non-leaves:
    /// `detached()` gives the value without history).
    public func setRequiresGrad(_ flag: Bool) throws {
        if case .node = origin, storedValue != nil, requiresGrad {
            guard flag else {
                throw SwiftGradError.type(
                    "requires_grad", "only concrete leaf tensors can stop requiring grad; this one is the result of \(node?.primitive.name ?? "an operation") (use detach() for its value without history)")
            }
            return
        }
        guard case .constant = origin, storedValue != nil else {
            throw SwiftGradError.type(
                "requires_grad", "only concrete leaf tensors can change requires_grad (this one is \(kind == .value ? "the result of an operation" : "symbolic"))")
        }
        guard !flag || dtype.isFloating else {
            throw SwiftGradError.type("requires_grad", "only floating-point tensors can require grad, not \(dtype)")
        }
        requiresGrad = flag
    }

    /// Replaces the accumulated gradient with the value of `grad` (nil
    /// clears it), which must have this tensor's dtype and shape.
    public func setGrad(_ grad: Tensor?) throws {
        guard let grad else { return self.grad = nil }
        guard grad.kind == .value, grad.dtype == dtype, grad.shape == shape else {
            throw SwiftGradError.value(
                "set_grad", "a \(grad.summary) cannot be the gradient of a \(summary)")
        }
        self.grad = try grad.detached()
    }

    /// The same value, without graph history and not requiring grad.
    public func detached() throws -> Tensor {
        guard let value else {
            throw SwiftGradError.type("detach", "a symbolic tensor has no value")
        }
        return Tensor(value)
    }
}

/// A recorded operation: the primitive and the tensors it read. A node is
/// the graph identity of the tensor it made (`graphID`): an eager node
/// holds, for an input its vjp does not read, a stand-in of that input (the
/// same node, its shape, no data), so the graph keeps only the values its
/// gradients need (PyTorch's saved tensors) and an intermediate the caller
/// drops is freed.
final class Node {
    let primitive: any Primitive
    let inputs: [Tensor]
    /// For an eager node: the storage versions of its inputs and then of
    /// its result when it was recorded (the first three inline, the rest
    /// in `moreVersions`). A backward that finds one changed refuses,
    /// since the gradient would use overwritten values.
    private var versions: (Int, Int, Int) = (0, 0, 0)
    private var moreVersions: [Int] = []
    private var recordsVersions = false
    /// The result, for an eager node whose vjp reads it.
    var savedResult: NDArray?
    /// Hooks and retain_grad of the tensor this node made.
    var hooks: GradHooks?
    /// The tensor whose `grad` retain_grad fills.
    weak var retainer: Tensor?

    init(primitive: any Primitive, inputs: [Tensor]) {
        self.primitive = primitive
        self.inputs = inputs
    }

    init(primitive: any Primitive, inputs: [Tensor], result: NDArray) {
        self.primitive = primitive
        var kept = inputs
        // Copied only when a stand-in replaces an input.
        for i in inputs.indices where !primitive.vjpReads(input: i) {
            let standIn = inputs[i].recordedStandIn
            if standIn !== inputs[i] { kept[i] = standIn }
        }
        self.inputs = kept
        if primitive.vjpReadsResult { savedResult = result }
        recordsVersions = true
        for (i, input) in kept.enumerated() { setVersion(input.storedValue?.storage.version ?? 0, at: i) }
        setVersion(result.storage.version, at: kept.count)
    }

    private func setVersion(_ version: Int, at i: Int) {
        switch i {
        case 0: versions.0 = version
        case 1: versions.1 = version
        case 2: versions.2 = version
        default: moreVersions.append(version)
        }
    }

    private func version(at i: Int) -> Int {
        switch i {
        case 0: return versions.0
        case 1: return versions.1
        case 2: return versions.2
        default: return moreVersions[i - 3]
        }
    }

    /// The tensor a vjp gets as the result: `tensor`, or, when that is a
    /// stand-in, one holding the saved result.
    func result(_ tensor: Tensor) -> Tensor {
        guard let saved = savedResult, tensor.storedValue?.storage !== saved.storage else { return tensor }
        return Tensor(type: tensor.type, origin: .node(self), value: saved, requiresGrad: tensor.requiresGrad)
    }

    /// Throws if an input or the result (`tensor`) was written in place
    /// since this node was recorded.
    func checkVersions(of tensor: Tensor) throws {
        guard recordsVersions else { return }
        for i in 0...inputs.count {
            let value = i < inputs.count ? inputs[i].storedValue : result(tensor).storedValue
            guard let now = value?.storage.version, now != version(at: i) else { continue }
            let what = i < inputs.count ? "input \(i)" : "the result"
            throw SwiftGradError.value(
                "backward", "\(what) of \(primitive.name) was modified in place after \(primitive.name) was recorded (version \(version(at: i)), now \(now)); its gradient would use the new values")
        }
    }
}

extension Tensor {
    /// What graphs identify a tensor by: its node, which its stand-ins
    /// share, or (a leaf) the tensor itself.
    var graphID: ObjectIdentifier {
        if case .node(let node) = origin { return ObjectIdentifier(node) }
        return ObjectIdentifier(self)
    }

    /// For a recorded result: a tensor of its node and shape whose value
    /// is one static NaN seen through zero strides (so shapes and dtypes read as
    /// before and a rule that wrongly reads it gives NaN); leaves and
    /// symbolic tensors are themselves.
    var recordedStandIn: Tensor {
        guard case .node(let node) = origin, let value = storedValue, value.dtype.isFloating else { return self }
        if let standIn { return standIn }
        let pointer = value.dtype.realPart == .float32
            ? UnsafeRawPointer(sg_vmath_nan_f32()) : UnsafeRawPointer(sg_vmath_nan_f64())
        guard let pointer else { return self }
        let nan = UnsafeMutableRawPointer(mutating: pointer)
        // Made here rather than shared through a global: lazily initialized
        // globals race, to ThreadSanitizer, between threads that record.
        let strides = [Int](repeating: 0, count: value.shape.count)
        let made = Tensor(type: type, origin: .node(node),
                          value: NDArray(Storage(borrowing: nan, release: nil, writable: false), value.dtype,
                                         shape: value.shape, strides: strides, offset: 0, count: value.count),
                          requiresGrad: requiresGrad)
        standIn = made
        return made
    }
}

/// A mutual-exclusion lock.
final class Mutex {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    init() { pthread_mutex_init(mutex, nil) }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }
    /// Takes the lock if it is free.
    func tryLock() -> Bool { pthread_mutex_trylock(mutex) == 0 }

    func withLock<R>(_ body: () throws -> R) rethrows -> R {
        lock()
        defer { unlock() }
        return try body()
    }
}

extension Tensor {
    /// The lock a shared variable's updates hold.
    var updateLock: Mutex? {
        if case .shared(let lock) = origin { return lock }
        return nil
    }
}

/// Guards the values of shared variables, which compiled functions running
/// on several threads read and update.
enum SharedValues {
    private static let mutex: UnsafeMutablePointer<pthread_mutex_t> = {
        let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        return mutex
    }()

    static func withLock<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}
