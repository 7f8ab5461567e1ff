// Inference module placeholder
