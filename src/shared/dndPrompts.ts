// The default language-model prompts of Describe-and-Dissect (docs/dissect.md writes them out), shared so the backend
// runs them and the wizard shows them as the text an empty override field stands for. {captions} / {caption} are
// replaced by the captions (joined with '; ') and by one caption.

export const DEFAULT_SUMMARISE =
  'Here are descriptions of the images a neuron of a vision model responds to most: {captions}\n' +
  'Give ONE coherent, concise concept label of 1 to 5 words that summarises most (not necessarily all) of the descriptions. ' +
  'No punctuation, and not a repeat of one description. Examples: for "a dog running on grass; a puppy on a rug; a dog ' +
  'catching a ball" answer {"concept": "dogs"}; for "a red brick wall; a stone wall with moss; a wall of bricks" answer ' +
  '{"concept": "brick walls"}.\nAnswer as JSON: {"concept": "..."}';

export const DEFAULT_SIMPLIFY =
  'Give one concise concept label that simplifies this description, dropping unnecessary details: {caption}\n' +
  'Answer as JSON: {"concept": "..."}';
