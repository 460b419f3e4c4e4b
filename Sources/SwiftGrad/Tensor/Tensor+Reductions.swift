// Reductions and statistics (the Array API's sum, prod, max, min, argmax,
// argmin, all, any, mean, var, std and cumulative_sum). `sum` and `mean`
// without a dtype live in Tensor+Operations.swift.

extension Tensor {
    private func reductionAxes(_ axes: [Int]?, _ op: String) throws -> [Int] {
        try normalizeAxes(axes ?? Array(0..<rank), rank: rank, op)
    }

    /// This tensor in `dtype` for a reduction that accumulates in it; nil
    /// keeps it as it is. As in NumPy, any cast is taken: the caller asks
    /// for it to avoid overflow or to save memory.
    private func accumulating(in dtype: DType?, _ op: String) throws -> Tensor {
        guard let dtype else { return self }
        return try cast(to: dtype)
    }

    /// The sum over `axes` computed in `dtype` (nil: int64 for signed
    /// integers and booleans, uint64 for unsigned ones, the input's dtype
    /// otherwise).
    public func sum(axes: [Int]? = nil, keepDims: Bool = false, dtype: DType?) throws -> Tensor {
        guard let dtype else { return try sum(axes: axes, keepDims: keepDims) }
        guard dtype.isNumeric else { throw unsupported("sum", dtype) }
        let x = try accumulating(in: dtype, "sum")
        return try Tensor.apply(Sum(axes: reductionAxes(axes, "sum"), keepDims: keepDims, dtype: dtype), x)
    }

    /// The mean over `axes` computed in `dtype` (floating only).
    public func mean(axes: [Int]? = nil, keepDims: Bool = false, dtype: DType?) throws -> Tensor {
        try accumulating(in: dtype, "mean").mean(axes: axes, keepDims: keepDims)
    }

    /// `op` over `axes` (negative ones count from the end; nil: all).
    public func reduce(_ op: ReduceOp, axes: [Int]? = nil, keepDims: Bool = false) throws -> Tensor {
        try Tensor.apply(Reduce(op: op, axes: reductionAxes(axes, op.name), keepDims: keepDims), self)
    }

    /// The product over `axes`, in `dtype` (nil: as `sum` chooses).
    public func prod(axes: [Int]? = nil, keepDims: Bool = false, dtype: DType? = nil) throws -> Tensor {
        if let dtype, !dtype.isNumeric { throw unsupported("prod", dtype) }
        let x = try accumulating(in: dtype, "prod")
        return try Tensor.apply(Reduce(op: .prod, axes: x.reductionAxes(axes, "prod"), keepDims: keepDims, dtype: dtype), x)
    }

    /// The largest element over `axes`; NaN propagates. Its gradient is
    /// split evenly among the elements equal to the maximum.
    public func max(axes: [Int]? = nil, keepDims: Bool = false) throws -> Tensor {
        try reduce(.max, axes: axes, keepDims: keepDims)
    }

    /// The smallest element over `axes`; NaN propagates. Its gradient is
    /// split evenly among the elements equal to the minimum.
    public func min(axes: [Int]? = nil, keepDims: Bool = false) throws -> Tensor {
        try reduce(.min, axes: axes, keepDims: keepDims)
    }

    /// Whether every element over `axes` is nonzero (true).
    public func all(axes: [Int]? = nil, keepDims: Bool = false) throws -> Tensor {
        try reduce(.all, axes: axes, keepDims: keepDims)
    }

    /// Whether some element over `axes` is nonzero (true).
    public func any(axes: [Int]? = nil, keepDims: Bool = false) throws -> Tensor {
        try reduce(.any, axes: axes, keepDims: keepDims)
    }

    /// The index (int64) of the first largest element along `axis`, or in
    /// the flattened tensor when `axis` is nil; a NaN counts as largest.
    public func argmax(axis: Int? = nil, keepDims: Bool = false) throws -> Tensor {
        try argReduce(largest: true, axis: axis, keepDims: keepDims)
    }

    /// The index (int64) of the first smallest element along `axis`, or in
    /// the flattened tensor when `axis` is nil; a NaN counts as smallest.
    public func argmin(axis: Int? = nil, keepDims: Bool = false) throws -> Tensor {
        try argReduce(largest: false, axis: axis, keepDims: keepDims)
    }

    private func argReduce(largest: Bool, axis: Int?, keepDims: Bool) throws -> Tensor {
        let name = largest ? "argmax" : "argmin"
        let axis = try axis.map { try normalizeAxes([$0], rank: rank, name)[0] }
        return try Tensor.apply(ArgReduce(largest: largest, axis: axis, keepDims: keepDims), self)
    }

    /// The variance over `axes`: the mean squared deviation from the mean,
    /// dividing by N - `correction` (1 gives the unbiased estimate). Real
    /// floating dtypes only.
    public func variance(axes: [Int]? = nil, correction: Double = 0, keepDims: Bool = false) throws -> Tensor {
        guard dtype.kind == .realFloating else { throw unsupported("var", dtype) }
        let axes = try reductionAxes(axes, "var")
        let deviation = try self - mean(axes: axes, keepDims: true)
        let total = try (deviation * deviation).sum(axes: axes, keepDims: keepDims)
        let lengths = axes.map { type.shape[$0] }
        if lengths.allSatisfy({ $0 != nil }) {
            let count = try checkedCount(lengths.map { $0 ?? 1 }, "var")
            return try total / (Double(count) - correction)
        }
        return try total / (Tensor.apply(ElementCount(axes: axes, dtype: dtype), self) - correction)
    }

    /// The standard deviation over `axes`: the square root of `variance`.
    public func standardDeviation(axes: [Int]? = nil, correction: Double = 0, keepDims: Bool = false) throws -> Tensor {
        guard dtype.kind == .realFloating else { throw unsupported("std", dtype) }
        return try variance(axes: axes, correction: correction, keepDims: keepDims).unary(.sqrt)
    }

    /// The running sums along `axis` (which may be nil only for a 1-D
    /// tensor), in `dtype` (nil: as `sum` chooses); `includeInitial` puts a
    /// zero first, so the result is one longer.
    public func cumulativeSum(axis: Int? = nil, includeInitial: Bool = false, dtype: DType? = nil) throws -> Tensor {
        let op = "cumulative_sum"
        guard dtype != nil || self.dtype.isNumeric || self.dtype == .bool else { throw unsupported(op, self.dtype) }
        guard let axis = axis ?? (rank == 1 ? 0 : nil) else {
            throw SwiftGradError.value(op, "axis must be given for a tensor of \(rank) dimensions (shape \(describe(type.shape)))")
        }
        let normalized = try normalizeAxes([axis], rank: rank, op)[0]
        let x = try accumulating(in: dtype ?? sumDType(self.dtype), op)
        return try Tensor.apply(CumulativeSum(axis: normalized, reverse: false, initial: includeInitial), x)
    }
}
