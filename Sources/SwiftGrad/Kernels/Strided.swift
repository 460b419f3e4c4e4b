/// The loop nest shared by every kernel: up to three operands of one shape
/// (an output and inputs; strides in elements, 0 for broadcasting), with
/// length-1 axes dropped and neighbouring axes merged wherever every
/// operand steps across them evenly, so contiguous arrays become one row.
struct StridedLoop {
    // The innermost merged axis lives in scalars and only the outer axes in
    // arrays, so the common case (operands that merge into one row) makes
    // no heap allocation.
    /// The number of elements in each innermost row.
    private(set) var rowLength = 1
    /// Each operand's step along the row.
    private(set) var rowSteps = (0, 0, 0)
    private var hasRow = false
    /// Outer lengths and strides, outermost first.
    private var outer: [Int] = []
    private var outerStrides: ([Int], [Int], [Int]) = ([], [], [])
    /// Whether some length is 0: there is nothing to visit.
    private(set) var isEmpty = false

    /// With `inMemoryOrder`, the axes are visited in the first operand's
    /// memory order (largest steps outermost), so a transposed array is
    /// walked through in order; for loops whose rows do not depend on
    /// being visited in row-major order (elementwise kernels).
    init(shape: [Int], _ s0: [Int], _ s1: [Int] = [], _ s2: [Int] = [], inMemoryOrder: Bool = false) {
        @inline(__always) func at(_ s: [Int], _ i: Int) -> Int { s.isEmpty ? 0 : s[i] }
        var (shape, s0, s1, s2) = (shape, s0, s1, s2)
        var inOrder = true, previous = Int.max
        for axis in shape.indices where inMemoryOrder && shape[axis] != 1 {
            let step = Swift.abs(s0[axis])
            if step > previous { inOrder = false; break }
            previous = step
        }
        if !inOrder {
            let order = shape.indices.sorted { (Swift.abs(s0[$0]), -$0) > (Swift.abs(s0[$1]), -$1) }
            shape = order.map { shape[$0] }
            s0 = order.map { s0[$0] }
            if !s1.isEmpty { s1 = order.map { s1[$0] } }
            if !s2.isEmpty { s2 = order.map { s2[$0] } }
        }
        for axis in shape.indices {
            let n = shape[axis]
            if n == 0 { isEmpty = true; return }
            if n == 1 { continue }  // any stride may sit on a length-1 axis
            let (a, b, c) = (at(s0, axis), at(s1, axis), at(s2, axis))
            if hasRow, rowSteps.0 == a &* n, rowSteps.1 == b &* n, rowSteps.2 == c &* n {
                rowLength &*= n
            } else {
                if hasRow {
                    outer.append(rowLength)
                    outerStrides.0.append(rowSteps.0)
                    outerStrides.1.append(rowSteps.1)
                    outerStrides.2.append(rowSteps.2)
                }
                rowLength = n
                hasRow = true
            }
            rowSteps = (a, b, c)
        }
    }

    /// Merged lengths, outermost first; empty for a single element.
    var shape: [Int] { hasRow ? outer + [rowLength] : [] }
    var strides: ([Int], [Int], [Int]) {
        hasRow ? (outerStrides.0 + [rowSteps.0], outerStrides.1 + [rowSteps.1], outerStrides.2 + [rowSteps.2]) : ([], [], [])
    }
    /// The number of rows.
    var rowCount: Int { isEmpty ? 0 : outer.reduce(1, &*) }

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
        // Start at row `rows.lowerBound`: its index along each outer axis.
        var index = [Int](repeating: 0, count: rank)
        var o0 = 0, o1 = 0, o2 = 0, rest = rows.lowerBound
        for axis in stride(from: rank - 1, through: 0, by: -1) {
            let i = rest % outer[axis]
            rest /= outer[axis]
            index[axis] = i
            o0 &+= i &* outerStrides.0[axis]; o1 &+= i &* outerStrides.1[axis]; o2 &+= i &* outerStrides.2[axis]
        }
        for _ in rows {
            body(o0, o1, o2, n, d0, d1, d2)
            var axis = rank - 1
            while axis >= 0 {
                index[axis] += 1
                o0 &+= outerStrides.0[axis]; o1 &+= outerStrides.1[axis]; o2 &+= outerStrides.2[axis]
                if index[axis] < outer[axis] { break }
                o0 &-= outerStrides.0[axis] &* outer[axis]
                o1 &-= outerStrides.1[axis] &* outer[axis]
                o2 &-= outerStrides.2[axis] &* outer[axis]
                index[axis] = 0
                axis -= 1
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
