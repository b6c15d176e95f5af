/// The acoustic model is a list of layers (see `AcousticModel`). A layer is its weights alone:
/// immutable once loaded and shared by every thread. What one forward pass leaves for its
/// backward pass, and the buffers the layer writes its output into, live in a workspace that
/// each thread makes for itself (`makeWorkspace()`), as whisper.cpp keeps a context (weights)
/// apart from a state (one caller's buffers).
///
/// Between layers a batch travels packed (see `PackedLayout`): only real frames, step by
/// step, sequences longest first. A layer that changes the frame rate (stacks or strides
/// frames) says so in `outputFrames(_:)` and returns the new layout; everything that counts
/// model frames (CTC lengths, word times, windows) asks the model, never the features.
///
/// Adding a layer: one file with a type that conforms to `Layer` (and its workspace class),
/// and one line in `AcousticModel.makeLayers` that puts it in the stack.
public protocol Layer: Sendable {
    /// Values per input frame.
    var inputSize: Int { get }
    /// Values per output frame.
    var outputSize: Int { get }
    /// The trainable tensors, with their PyTorch state_dict names.
    var parameters: [Parameter] { get }
    /// Input frames per output frame (1 for a layer that keeps the frame rate).
    var subsampling: Int { get }
    /// Output frames of a sequence of `frames` input frames.
    func outputFrames(_ frames: Int) -> Int
    /// A fresh workspace for one thread's forward and backward passes through this layer.
    func makeWorkspace() -> LayerWorkspace
    /// x (N, inputSize) -> y (N', outputSize), N' = Σ outputFrames(length). The output lives in
    /// `workspace` until its next forward; `x` must stay valid until `backward`.
    func forward(_ x: PackedRows, workspace: LayerWorkspace, pass: ForwardPass) -> PackedRows
    /// dy (N', outputSize) -> dx (N, inputSize), or nil without `inputGradient`; adds to the
    /// parameters' gradients. Uses what the last `forward` with this workspace left in it.
    func backward(_ dy: UnsafePointer<Float>, workspace: LayerWorkspace, inputGradient: Bool) -> UnsafeMutablePointer<Float>?
}

extension Layer {
    public var subsampling: Int { 1 }
    public func outputFrames(_ frames: Int) -> Int { frames }
    public var parameterCount: Int { parameters.valueCount }
    public func zeroGrad() { parameters.zeroGrad() }
}

/// One thread's buffers for one layer: the activations its backward needs and its outputs.
/// Each layer defines its own class; a workspace is never shared between threads.
public protocol LayerWorkspace: AnyObject {}

/// A packed batch between layers: `layout.rows` rows of `width` values.
public struct PackedRows {
    public var data: UnsafeMutablePointer<Float>
    public var width: Int
    public var layout: PackedLayout

    public init(data: UnsafeMutablePointer<Float>, width: Int, layout: PackedLayout) {
        self.data = data
        self.width = width
        self.layout = layout
    }
}

/// How one forward pass runs.
public struct ForwardPass: Sendable {
    /// Training: dropout applies and activations are kept for backward.
    public var training: Bool
    /// Whether layers keep what backward needs (every step's gates and states): in training,
    /// and in gradient checks of the network without dropout. Inference keeps one step's.
    public var keepsActivations: Bool
    /// One seed per sequence of the batch (batch order): each sequence's dropout masks come
    /// from its own seed, so they do not depend on which other sequences share the batch (what
    /// lets a batch split across MPI ranks train exactly as the whole batch in one process).
    /// nil: one random stream per workspace runs through the batch.
    public var sequenceSeeds: [UInt64]?
    /// Run the two directions of a bidirectional layer on two threads: the model sets it from
    /// its workspace (`ModelWorkspace.parallelDirections`), the one place that says it.
    public internal(set) var parallelDirections = false

    public init(training: Bool, sequenceSeeds: [UInt64]? = nil, keepsActivations: Bool? = nil) {
        self.training = training
        self.keepsActivations = keepsActivations ?? training
        self.sequenceSeeds = sequenceSeeds
    }

    public static let inference = ForwardPass(training: false)
}

/// Asks a layer for its own workspace type; a mismatch is a programming error.
@inline(__always)
func workspace<W: LayerWorkspace>(_ w: LayerWorkspace, as type: W.Type) -> W {
    // unsafeDowncast in release builds, a checked cast in debug builds.
    assert(w is W, "a \(Swift.type(of: w)) was handed to a layer that expects a \(W.self)")
    return unsafeDowncast(w, to: W.self)
}
