// The dissect feature's public surface (the Describe-and-Dissect screen, and the DnD chain the neuron page shows):
// other features and the app shell import only from here.
export { DissectScreen } from './DissectScreen';
export { DndChainSection } from './DndChain';
