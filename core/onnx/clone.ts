import { decodeModel, encodeModel } from './model-io';
import { Model } from './proto';

/** A deep copy of a model; a protobuf round trip keeps Long values and byte fields in their proper types. */
export const cloneModel = (model: Model): Model => decodeModel(encodeModel(model));
