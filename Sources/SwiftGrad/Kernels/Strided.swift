/// The loop nest shared by every kernel: up to three operands of one shape
/// (an output and inputs; strides in elements, 0 for broadcasting), with
/// length-1 axes dropped and neighbouring axes merged wherever every
/// operand steps across them evenly, so contiguous arrays become one row.
struct StridedLoop {
    // The innermost merged axis lives in scalars and up to four outer axes
    // inline, so building and running a loop makes no heap allocation for
    // the ranks kernels meet (more outer axes spill into an array).
    /// The number of elements in each innermost row.
    private(set) var rowLength = 1
    /// Each operand's step along the row.
    private(set) var rowSteps = (0, 0, 0)
    private var hasRow = false
    /// Outer axes, outermost first.
    private var outer = OuterAxes()
    /// Whether some length is 0: there is nothing to visit.
    private(set) var isEmpty = false

    /// One outer axis: its length and each operand's step along it.
    private struct Axis {
        var length = 0, s0 = 0, s1 = 0, s2 = 0
    }

    private struct OuterAxes {
        private var inline = InlineArray<4, Axis>(repeating: Axis())
        private var spill = [Axis]()
        private(set) var count = 0

        subscript(i: Int) -> Axis { i < 4 ? inline[i] : spill[i - 4] }

        mutating func append(_ axis: Axis) {
            if count < 4 { inline[count] = axis } else { spill.append(axis) }
            count += 1
        }
    }

    /// With `inMemoryOrder`, the axes are visited in the first operand's
    /// memory order (largest steps outermost), so a transposed array is
    /// walked through in order; for loops whose rows do not depend on
    /// being visited in row-major order (elementwise kernels).
    init(shape: [Int], _ s0: [Int], _ s1: [Int] = [], _ s2: [Int] = [], inMemoryOrder: Bool = false) {
        @inline(__always) func at(_ s: [Int], _ i: Int) -> Int { s.isEmpty ? 0 : s[i] }
        self.init(rank: shape.count, length: { shape[$0] }, steps: { (at(s0, $0), at(s1, $0), at(s2, $0)) },
                  inMemoryOrder: inMemoryOrder, order: { s0[$0] })
    }

    /// A loop over `shape` writing an output of strides `out` and reading
    /// `a` (and `b`) broadcast to `shape` as NumPy does: aligned at the
    /// trailing axes, step 0 along axes they lack or have length 1 in.
    init(shape: [Int], _ out: [Int], broadcasting a: NDArray, _ b: NDArray? = nil, inMemoryOrder: Bool = false) {
        let rank = shape.count
        @inline(__always) func step(_ x: NDArray, _ axis: Int) -> Int {
            let i = axis - (rank - x.shape.count)
            return i < 0 || x.shape[i] == 1 ? 0 : x.strides[i]
        }
        self.init(rank: rank, length: { shape[$0] },
                  steps: { axis in (out[axis], step(a, axis), b.map { step($0, axis) } ?? 0) },
                  inMemoryOrder: inMemoryOrder, order: { out[$0] })
    }

    /// The general form: axis i has `length(i)` and steps `steps(i)`; with
    /// `inMemoryOrder`, axes go in decreasing `|order(i)|` (ties in axis
    /// order), which they already are when that is non-increasing.
    init(rank: Int, length: (Int) -> Int, steps: (Int) -> (Int, Int, Int),
         inMemoryOrder: Bool, order: (Int) -> Int) {
        withUnsafeTemporaryAllocation(of: Int.self, capacity: Swift.max(rank, 1)) { axes in
            for i in 0..<rank { axes[i] = i }
            if inMemoryOrder {
                var inOrder = true, previous = Int.max
                for axis in 0..<rank where length(axis) != 1 {
                    let step = Swift.abs(order(axis))
                    if step > previous { inOrder = false; break }
                    previous = step
                }
                if !inOrder {
                    // Insertion sort: ranks are small, and it needs no memory.
                    for i in 1..<Swift.max(rank, 1) {
                        let axis = axes[i], key = Swift.abs(order(axis))
                        var j = i
                        while j > 0, Swift.abs(order(axes[j - 1])) < key {
                            axes[j] = axes[j - 1]
                            j -= 1
                        }
                        axes[j] = axis
                    }
                }
            }
            for k in 0..<rank {
                let axis = axes[k], n = length(axis)
                if n == 0 { isEmpty = true; return }
                if n == 1 { continue }  // any stride may sit on a length-1 axis
                let (a, b, c) = steps(axis)
                if hasRow, rowSteps.0 == a &* n, rowSteps.1 == b &* n, rowSteps.2 == c &* n {
                    rowLength &*= n
                } else {
                    if hasRow { outer.append(Axis(length: rowLength, s0: rowSteps.0, s1: rowSteps.1, s2: rowSteps.2)) }
                    rowLength = n
                    hasRow = true
                }
                rowSteps = (a, b, c)
            }
        }
    }

    /// Whether the loop has no axis left (a single element, or none).
    var isScalar: Bool { !hasRow }

    /// Merged lengths, outermost first; empty for a single element.
    var shape: [Int] { hasRow ? (0..<outer.count).map { outer[$0].length } + [rowLength] : [] }
    var strides: ([Int], [Int], [Int]) {
        let axes = (0..<outer.count).map { outer[$0] }
        return hasRow ? (axes.map(\.s0) + [rowSteps.0], axes.map(\.s1) + [rowSteps.1], axes.map(\.s2) + [rowSteps.2]) : ([], [], [])
    }
    /// The number of rows.
    var rowCount: Int {
        if isEmpty { return 0 }
        var rows = 1
        for i in 0..<outer.count { rows &*= outer[i].length }
        return rows
    }

    /// Calls `body(o0, o1, o2, n, d0, d1, d2)` for each row, where `o` are
    /// the operands' offsets of the row's first element and `d` their steps.
    /// Not inlined: kernels inline only their row body, which keeps each
    /// of the hundreds of specialized kernels small.
    func forEachRow(_ body: (Int, Int, Int, Int, Int, Int, Int) -> Void) {
        forEachRow(in: 0..<rowCount, body)
    }

    /// As `forEachRow`, for the rows in `rows` only (for splitting work).
    @inline(never)
    func forEachRow(in rows: Range<Int>, _ body: (Int, Int, Int, Int, Int, Int, Int) -> Void) {
        guard !isEmpty, !rows.isEmpty else { return }
        let n = rowLength, (d0, d1, d2) = rowSteps
        let rank = outer.count
        guard rank > 0 else { return body(0, 0, 0, n, d0, d1, d2) }
        // The outer axes and each one's index, on the stack.
        withUnsafeTemporaryAllocation(of: Axis.self, capacity: rank) { axes in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: rank) { index in
                // Start at row `rows.lowerBound`: its index along each outer axis.
                var o0 = 0, o1 = 0, o2 = 0, rest = rows.lowerBound
                for axis in stride(from: rank - 1, through: 0, by: -1) {
                    let a = outer[axis]
                    axes[axis] = a
                    let i = rest % a.length
                    rest /= a.length
                    index[axis] = i
                    o0 &+= i &* a.s0; o1 &+= i &* a.s1; o2 &+= i &* a.s2
                }
                for _ in rows {
                    body(o0, o1, o2, n, d0, d1, d2)
                    var axis = rank - 1
                    while axis >= 0 {
                        let a = axes[axis]
                        index[axis] += 1
                        o0 &+= a.s0; o1 &+= a.s1; o2 &+= a.s2
                        if index[axis] < a.length { break }
                        o0 &-= a.s0 &* a.length
                        o1 &-= a.s1 &* a.length
                        o2 &-= a.s2 &* a.length
                        index[axis] = 0
                        axis -= 1
                    }
                }
            }
        }
    }
}

/// The strides that make `array` read as if broadcast to `shape`: zero
/// along axes it lacks or has length 1 in.
func broadcastStrides(_ array: NDArray, to shape: [Int]) -> [Int] {
    if array.shape == shape { return array.strides }
    let lead = shape.count - array.shape.count
    return shape.indices.map { axis in
        let i = axis - lead
        return i < 0 || array.shape[i] == 1 ? 0 : array.strides[i]
    }
}
