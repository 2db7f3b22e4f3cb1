/**
 * Training dynamics: what trained networks predict.
 *
 *   predictInfiniteWidth(spec)   infinite-width mean and covariance of the trained ensemble at any gradient-flow
 *                                time or gradient-descent step count (frozen NTK, NNGP posterior, last layer only)
 *   kernelDynamics(blocks, …)    the same closed forms on given kernel matrices
 *   trainEnsemble(spec)          networks actually trained by gradient descent: mean, covariance, loss ± stderr
 *   trainEnsembleState / mergeTrainStates / finishTrainState: sharded runs merged exactly
 *
 * Conventions: loss ½ Σ_train ‖f − y‖², per-parameter learning rates η λ_b (biases) and η λ_W/n_{ℓ−1}
 * (weights of layer ℓ), so that df/dt = −η Θ̂ (f − y) with the toolkit's empirical NTK Θ̂. See docs/training.md.
 */
export { predictInfiniteWidth, trainingKernelBlocks, DYNAMICS_KERNELS, type DynamicsKernel, type PredictionSpec, type PredictionResult, type TrainingArchitecture } from './theory.ts';
export { kernelDynamics, flowFactor, descentFactor, ROUNDING_TOLERANCE, type KernelBlocks, type DynamicsOptions, type DynamicsResult, type Conditioning } from './dynamics.ts';
export { validateData, validateLr, validateSchedule, parseScheduleList, scheduleForJson, type Schedule, type TrainingData } from './spec.ts';
export {
  trainEnsemble,
  trainEnsembleState,
  mergeTrainStates,
  finishTrainState,
  infiniteWidthFor,
  buildTrainPlan,
  TRAIN_STATE_FORMAT,
  type TrainEnsembleSpec,
  type TrainEnsembleResult,
  type TrainState,
} from './ensemble.ts';
export { NetworkState, flopsPerStep, type NetworkPlan } from './network.ts';
export { symmetricEigenDense, type SymmetricEigen } from './eigen.ts';
export { formatPrediction, formatEnsemble } from './format.ts';
