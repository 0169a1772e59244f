import type { Out } from '../../lib/contract';
import type { GenerativeRole } from './route';

// What the Generative models screen shows about a role, and small display helpers.

export type DescriberInfo = Out<'describer.list'>[number];

export interface RoleText {
  tab: string;
  title: string;
  /** 'a captioner', 'an image generator'. */
  addTitle: string;
  /** What the role does in Describe-and-Dissect, and what can be added. */
  about: string;
  /** What the add form's path is. */
  pathLabel: string;
  pathKind: 'folder' | 'file';
  placeholder: string;
  pathHint: string;
}

export const ROLES: Record<GenerativeRole, RoleText> = {
  captioner: {
    tab: 'Captioner',
    title: 'Captioners',
    addTitle: 'a captioner',
    about: 'Image-to-text models that describe a neuron’s top images (or crops of them).',
    pathLabel: 'Captioner folder',
    pathKind: 'folder',
    placeholder: '/models/vit-gpt2-image-captioning',
    pathHint:
      'A transformers.js image-to-text export: config.json, generation_config.json, preprocessor_config.json, tokenizer files and onnx/encoder_model.onnx + onnx/decoder_model_merged.onnx (VisionEncoderDecoder, e.g. vit-gpt2), or a Florence-2 export that also has onnx/vision_encoder.onnx and onnx/embed_tokens.onnx (e.g. onnx-community/Florence-2-base-ft; captions with <CAPTION>, greedy), or a SmolVLM export with onnx/vision_encoder.onnx, onnx/embed_tokens.onnx, onnx/decoder_model_merged.onnx, processor_config.json and a chat template (e.g. HuggingFaceTB/SmolVLM-256M-Instruct; greedy). BLIP is not supported by transformers.js.',
  },
  language_model: {
    tab: 'Language model',
    title: 'Language models',
    addTitle: 'a language model',
    about: 'Models that turn a list of captions into one short concept, as JSON checked against a schema.',
    pathLabel: 'GGUF file',
    pathKind: 'file',
    placeholder: '/models/qwen2.5-1.5b-instruct-q4_k_m.gguf',
    pathHint: 'One .gguf file, run in this process by llama.cpp (node-llama-cpp). Its chat template is used when the file has one.',
  },
  image_generator: {
    tab: 'Image generator',
    title: 'Image generators',
    addTitle: 'an image generator',
    about: 'Text-to-image models that make new images of each candidate concept, to see which drives the neuron hardest.',
    pathLabel: 'Generator folder',
    pathKind: 'folder',
    placeholder: '/models/sd-turbo-onnx',
    pathHint:
      'A diffusers/optimum ONNX export: model_index.json, text_encoder/, tokenizer/, unet/, vae_decoder/ and scheduler/scheduler_config.json (fp32 or fp16; one .onnx_data file per part is fine).',
  },
  text_embedder: {
    tab: 'Text embedder',
    title: 'Text embedders',
    addTitle: 'a text embedder',
    about:
      'Sentence-embedding models that say how close two texts are: final-layer label similarity (Compare methods) compares each method’s label of a class neuron with the class name under one.',
    pathLabel: 'Text embedder folder',
    pathKind: 'folder',
    placeholder: '/models/all-mpnet-base-v2',
    pathHint:
      'A transformers.js feature-extraction export: config.json (bert, mpnet, roberta ...), tokenizer.json, tokenizer_config.json and onnx/model.onnx; modules.json + 1_Pooling/config.json from sentence-transformers set the pooling (mean over tokens by default). Vectors are L2-normalised.',
  },
};

export const FORMAT_WORDS: Record<DescriberInfo['format'], string> = {
  transformers: 'transformers.js',
  gguf: 'GGUF',
  endpoint: 'OpenAI-compatible endpoint',
  diffusers_onnx: 'diffusers ONNX',
};

/** 'contextLength' / 'image_width' -> 'context length' / 'image width'. */
function words(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/_/g, ' ')
    .toLowerCase();
}

/** A model's details as words: 'context length 256 · vocabulary 945 · chat template yes'. */
export function detailsText(details: DescriberInfo['details']): string {
  const parts = Object.entries(details).map(([k, v]) => {
    const value = typeof v === 'boolean' ? (v ? 'yes' : 'no') : typeof v === 'number' ? v.toLocaleString('en-US') : v;
    return `${words(k)} ${value}`;
  });
  return parts.join(' · ') || '—';
}

/** What to do about a model that is not ok. */
export function statusAdvice(d: DescriberInfo): string | null {
  if (d.status === 'missing') return 'A file is gone: restore it, or remove this entry and add the model from its new place.';
  if (d.status === 'changed')
    return 'A file’s size or time changed since it was added, so cached results may not match it: Check it, or add it again.';
  return null;
}
