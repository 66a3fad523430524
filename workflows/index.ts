export { transcription } from './transcription.workflow.js';
