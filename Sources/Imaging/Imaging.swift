// Imaging module placeholder
